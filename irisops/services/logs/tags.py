"""Tagging log groups: by ARN (TagResource, ...) and the legacy by-name calls."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.errors import InvalidParameter, TooManyTags, group_not_found
from irisops.services.logs.lookups import group_name_for_arn, group_row

MAX_TAGS = 50


class LogTagOperations(Service):
    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = group_name_for_arn(ctx, params["resourceArn"])
        await self._change_tags(ctx, name, add=params["tags"], error=TooManyTags)
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = group_name_for_arn(ctx, params["resourceArn"])
        await self._change_tags(ctx, name, remove=params["tagKeys"])
        return {}

    async def list_tags_for_resource(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = group_name_for_arn(ctx, params["resourceArn"])
        return {"tags": records.load_tags(group_row(self.store, ctx, name))}

    async def tag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        await self._change_tags(ctx, params["logGroupName"], add=params["tags"])
        return {}

    async def untag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        await self._change_tags(ctx, params["logGroupName"], remove=params["tags"])
        return {}

    async def list_tags_log_group(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return {"tags": records.load_tags(group_row(self.store, ctx, params["logGroupName"]))}

    async def _change_tags(
        self,
        ctx: RequestContext,
        name: str,
        *,
        add: dict[str, str] | None = None,
        remove: list[str] | None = None,
        error: type[InvalidParameter] | type[TooManyTags] = InvalidParameter,
    ) -> None:
        def write(conn: sqlite3.Connection) -> dict[str, str]:
            row = conn.execute(
                "SELECT id, tags FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise group_not_found()
            tags = records.load_tags(row)
            tags.update(add or {})
            for key in remove or []:
                tags.pop(key, None)
            if len(tags) > MAX_TAGS:
                raise error(f"A resource can have no more than {MAX_TAGS} tags.")  # unconfirmed
            conn.execute(
                "UPDATE logs_groups SET tags = ? WHERE id = ?", (json.dumps(tags), row["id"])
            )
            return tags

        tags = await self.store.write(write)
        self.publish(
            ctx, "logs.LogGroupTagged", records.group_arn(ctx.region, ctx.account, name), tags=tags
        )
