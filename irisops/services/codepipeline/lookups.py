"""Finding the pipeline or execution a request names."""

from __future__ import annotations

import sqlite3

from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.engines.codepipeline.model import EXECUTION_SELECT, Execution
from irisops.services.codepipeline.errors import execution_not_found, pipeline_not_found


def pipeline_row(store: Store, ctx: RequestContext, name: str) -> sqlite3.Row:
    row = store.read_one(
        "SELECT * FROM codepipeline_pipelines WHERE account = ? AND region = ? AND name = ?",
        (ctx.account, ctx.region, name),
    )
    if row is None:
        raise pipeline_not_found(ctx.account, name)
    return row


def execution_row(
    store: Store, ctx: RequestContext, pipeline: sqlite3.Row, execution_id: str
) -> sqlite3.Row:
    row = store.read_one(
        f"{EXECUTION_SELECT} WHERE e.id = ? AND e.pipeline_id = ?",
        (execution_id, pipeline["id"]),
    )
    if row is None:
        raise execution_not_found(pipeline["name"], execution_id)
    return row


def execution_for(
    store: Store, ctx: RequestContext, name: str, execution_id: str
) -> tuple[sqlite3.Row, Execution]:
    pipeline = pipeline_row(store, ctx, name)
    return pipeline, Execution.from_row(execution_row(store, ctx, pipeline, execution_id))
