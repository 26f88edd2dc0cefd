"""Tagging pipelines by ARN."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.arns import parse_arn
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.codepipeline.errors import (
    InvalidArn,
    InvalidTags,
    ResourceNotFound,
    TooManyTags,
)

MAX_TAGS = 50


def checked_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    merged: dict[str, str] = {}
    for tag in tags:
        if tag["key"].lower().startswith("aws:"):
            raise InvalidTags(  # unconfirmed text
                f"Tag key '{tag['key']}' is reserved: keys may not start with 'aws:'"
            )
        merged[tag["key"]] = tag["value"]
    if len(merged) > MAX_TAGS:
        raise TooManyTags(f"A resource can have no more than {MAX_TAGS} tags")  # unconfirmed
    return [{"key": k, "value": v} for k, v in merged.items()]


class TagOperations(Service):
    def _pipeline_for_arn(self, ctx: RequestContext, resource_arn: str) -> sqlite3.Row:
        parts = parse_arn(resource_arn)
        if parts is None or parts["service"] != "codepipeline" or not parts["resource"]:
            raise InvalidArn(f"The ARN {resource_arn} is not valid")  # unconfirmed text
        row = self.store.read_one(
            "SELECT * FROM codepipeline_pipelines WHERE account = ? AND region = ? AND name = ?",
            (parts["account"], parts["region"], parts["resource"]),
        )
        if row is None or (parts["account"], parts["region"]) != (ctx.account, ctx.region):
            raise ResourceNotFound(  # unconfirmed text
                f"The resource with ARN {resource_arn} does not exist"
            )
        return row

    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self._pipeline_for_arn(ctx, params["resourceArn"])
        current = {t["key"]: t["value"] for t in json.loads(row["tags"])}
        current.update({t["key"]: t["value"] for t in checked_tags(params["tags"])})
        tags = checked_tags([{"key": k, "value": v} for k, v in current.items()])
        await self._save(row["id"], tags)
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self._pipeline_for_arn(ctx, params["resourceArn"])
        drop = set(params["tagKeys"])
        tags = [t for t in json.loads(row["tags"]) if t["key"] not in drop]
        await self._save(row["id"], tags)
        return {}

    async def list_tags_for_resource(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = self._pipeline_for_arn(ctx, params["resourceArn"])
        return {"tags": json.loads(row["tags"])}

    async def _save(self, pipeline_id: int, tags: list[dict[str, str]]) -> None:
        await self.store.execute(
            "UPDATE codepipeline_pipelines SET tags = ? WHERE id = ?",
            (json.dumps(tags), pipeline_id),
        )
