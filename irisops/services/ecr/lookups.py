"""Finding the repository and images a request names."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.ecr.errors import repository_not_found


def registry_account(ctx: RequestContext, params: dict[str, Any]) -> str:
    """The account a request's ``registryId`` names (the caller's when absent)."""
    return params.get("registryId") or ctx.account


def repository_row(store: Store, account: str, region: str, name: str) -> sqlite3.Row:
    row = store.read_one(
        "SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    )
    if row is None:
        raise repository_not_found(name, account)
    return row


def repository_for(store: Store, ctx: RequestContext, params: dict[str, Any]) -> sqlite3.Row:
    return repository_row(
        store, registry_account(ctx, params), ctx.region, params["repositoryName"]
    )


def tags_by_digest(store: Store, repository_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in store.read(
        "SELECT tag, digest FROM ecr_image_tags WHERE repository_id = ? ORDER BY tag",
        (repository_id,),
    ):
        out.setdefault(row["digest"], []).append(row["tag"])
    return out
