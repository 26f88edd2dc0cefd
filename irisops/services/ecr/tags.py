"""Repository tags: TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.ecr.errors import InvalidParameter, InvalidTagParameter, repository_not_found
from irisops.services.ecr.records import name_from_arn

MAX_TAGS = 50


def check_tags(tags: list[dict[str, Any]]) -> None:
    keys = [tag.get("Key") for tag in tags]
    if any(not key for key in keys):
        raise InvalidTagParameter("Invalid parameter at 'tags': tag keys must not be empty")
    if len(set(keys)) > MAX_TAGS:
        raise InvalidTagParameter(
            f"Invalid parameter at 'tags': at most {MAX_TAGS} tags", code="TooManyTagsException"
        )


def merge_tags(current: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = {tag["Key"]: tag.get("Value", "") for tag in current}
    merged.update({tag["Key"]: tag.get("Value", "") for tag in new})
    return [{"Key": key, "Value": value} for key, value in merged.items()]


class TagOperations(Service):
    def _arn_target(self, ctx: RequestContext, resource_arn: str) -> tuple[str, str, str]:
        parsed = name_from_arn(resource_arn)
        if parsed is None:
            raise InvalidParameter(
                f"Invalid parameter at 'resourceArn' failed to satisfy "
                f"constraint: 'Invalid ARN': {resource_arn}"
            )
        return parsed

    async def _update_tags(self, ctx: RequestContext, resource_arn: str, change: Any) -> None:
        account, region, name = self._arn_target(ctx, resource_arn)

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT id, tags FROM ecr_repositories WHERE account = ? AND region = ? "
                "AND name = ?",
                (account, region, name),
            ).fetchone()
            if row is None:
                raise repository_not_found(name, account)
            tags = change(json.loads(row["tags"]))
            if len(tags) > MAX_TAGS:
                raise InvalidTagParameter(
                    f"Invalid parameter at 'tags': at most {MAX_TAGS} tags",
                    code="TooManyTagsException",
                )
            conn.execute(
                "UPDATE ecr_repositories SET tags = ? WHERE id = ?", (json.dumps(tags), row["id"])
            )

        await self.store.write(write)

    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        new = params["tags"]
        check_tags(new)
        await self._update_tags(ctx, params["resourceArn"], lambda tags: merge_tags(tags, new))
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        gone = set(params["tagKeys"])
        await self._update_tags(
            ctx, params["resourceArn"], lambda tags: [t for t in tags if t["Key"] not in gone]
        )
        return {}

    async def list_tags_for_resource(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        account, region, name = self._arn_target(ctx, params["resourceArn"])
        row = self.store.read_one(
            "SELECT tags FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
            (account, region, name),
        )
        if row is None:
            raise repository_not_found(name, account)
        return {"tags": json.loads(row["tags"])}
