"""Pipeline operations: create, get, update, delete, list.

CreatePipeline starts a first execution, as AWS does (trigger ``CreatePipeline``).
DeletePipeline of a missing pipeline succeeds (its model lists no not-found error;
unconfirmed).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.events import Event
from irisops.engines.codepipeline.model import pipeline_arn
from irisops.engines.codepipeline.supervisor import PipelineSupervisor
from irisops.services.base import Service
from irisops.services.codepipeline import paging, records
from irisops.services.codepipeline.errors import (
    PipelineNameInUse,
    PipelineVersionNotFound,
    pipeline_not_found,
)
from irisops.services.codepipeline.lookups import pipeline_row
from irisops.services.codepipeline.structure import normalized
from irisops.services.codepipeline.tags import checked_tags

DEFAULT_MAX_PIPELINES = 1000


class PipelineOperations(Service):
    supervisor: PipelineSupervisor

    def _publish_pipeline(
        self, ctx: RequestContext, type: str, resource: str, **detail: Any
    ) -> Event:
        """Like :meth:`Service.publish`, returning the event (its ``seq`` tells the
        supervisor which change events come after this write)."""
        return self.bus.publish(
            type, service=self.name, account=ctx.account, region=ctx.region,
            resource=resource, **detail,
        )  # fmt: skip

    async def create_pipeline(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        declaration = normalized(params["pipeline"], 1, ctx.region)
        tags = checked_tags(params.get("tags") or [])
        name = declaration["name"]
        now = epoch_ms()
        body = json.dumps(declaration)

        def write(conn: sqlite3.Connection) -> sqlite3.Row:
            try:
                cursor = conn.execute(
                    "INSERT INTO codepipeline_pipelines (account, region, name, version, "
                    "declaration, created, updated, tags) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                    (ctx.account, ctx.region, name, body, now, now, json.dumps(tags)),
                )
            except sqlite3.IntegrityError as exc:
                raise PipelineNameInUse(  # unconfirmed text
                    f"A pipeline with the name '{name}' already exists in account '{ctx.account}'"
                ) from exc
            conn.execute(
                "INSERT INTO codepipeline_pipeline_versions (pipeline_id, version, declaration) "
                "VALUES (?, 1, ?)",
                (cursor.lastrowid, body),
            )
            return conn.execute(
                "SELECT * FROM codepipeline_pipelines WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()

        row = await self.store.write(write)
        event = self._publish_pipeline(
            ctx, "codepipeline.PipelineCreated", pipeline_arn(ctx.region, ctx.account, name),
            pipeline=name, version=1,
        )  # fmt: skip
        self.supervisor.pipeline_changed(row["id"], event.seq)
        await self.supervisor.start_execution(row, trigger_type="CreatePipeline")
        out: dict[str, Any] = {"pipeline": declaration}
        if tags:
            out["tags"] = tags
        return out

    async def get_pipeline(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = pipeline_row(self.store, ctx, params["name"])
        version = params.get("version")
        if version is None or version == row["version"]:
            declaration = json.loads(row["declaration"])
        else:
            old = self.store.read_one(
                "SELECT declaration FROM codepipeline_pipeline_versions "
                "WHERE pipeline_id = ? AND version = ?",
                (row["id"], version),
            )
            if old is None:
                raise PipelineVersionNotFound(  # unconfirmed text
                    f"Pipeline '{row['name']}' does not have version {version}"
                )
            declaration = json.loads(old["declaration"])
        return {"pipeline": declaration, "metadata": records.pipeline_metadata(row)}

    async def update_pipeline(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["pipeline"]["name"]
        current = pipeline_row(self.store, ctx, name)
        declaration = normalized(params["pipeline"], current["version"] + 1, ctx.region)
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[int, int]:
            row = conn.execute(
                "SELECT id, version FROM codepipeline_pipelines "
                "WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise pipeline_not_found(ctx.account, name)
            version = row["version"] + 1
            declaration["version"] = version
            body = json.dumps(declaration)
            conn.execute(
                "UPDATE codepipeline_pipelines SET version = ?, declaration = ?, updated = ? "
                "WHERE id = ?",
                (version, body, now, row["id"]),
            )
            conn.execute(
                "INSERT INTO codepipeline_pipeline_versions (pipeline_id, version, declaration) "
                "VALUES (?, ?, ?)",
                (row["id"], version, body),
            )
            return int(row["id"]), int(version)

        pipeline_id, version = await self.store.write(write)
        event = self._publish_pipeline(
            ctx, "codepipeline.PipelineUpdated", pipeline_arn(ctx.region, ctx.account, name),
            pipeline=name, version=version,
        )  # fmt: skip
        self.supervisor.pipeline_changed(pipeline_id, event.seq)
        return {"pipeline": declaration}

    async def delete_pipeline(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["name"]
        row = self.store.read_one(
            "SELECT id FROM codepipeline_pipelines WHERE account = ? AND region = ? AND name = ?",
            (ctx.account, ctx.region, name),
        )
        if row is None:
            return {}
        await self.supervisor.forget_pipeline(row["id"])
        deleted = await self.store.execute(
            "DELETE FROM codepipeline_pipelines WHERE id = ?", (row["id"],)
        )
        if deleted:
            self._publish_pipeline(
                ctx, "codepipeline.PipelineDeleted", pipeline_arn(ctx.region, ctx.account, name),
                pipeline=name,
            )  # fmt: skip
        return {}

    async def list_pipelines(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("maxResults") or DEFAULT_MAX_PIPELINES
        where, args = "account = ? AND region = ?", [ctx.account, ctx.region]
        if token := params.get("nextToken"):
            (after,) = paging.decode(token, "pipelines")
            where += " AND name > ?"
            args.append(str(after))
        rows = await self.store.query(
            f"SELECT * FROM codepipeline_pipelines WHERE {where} ORDER BY name LIMIT ?",
            [*args, limit + 1],
        )
        out: dict[str, Any] = {"pipelines": [records.pipeline_summary(r) for r in rows[:limit]]}
        if len(rows) > limit:
            out["nextToken"] = paging.encode("pipelines", rows[limit - 1]["name"])
        return out
