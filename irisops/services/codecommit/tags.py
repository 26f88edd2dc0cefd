"""Tagging repositories: TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.errors import CodeCommitError, repository_missing
from irisops.services.codecommit.records import load_tags, parse_repository_arn

MAX_TAGS = 50


def check_tags(tags: dict[str, str]) -> None:
    if any(key.lower().startswith("aws:") for key in tags):
        raise CodeCommitError("InvalidSystemTagUsageException")
    if len(tags) > MAX_TAGS:
        raise CodeCommitError("TooManyTagsException")


class TagOperations(RepositoryAccess):
    def _tagged_repository(self, ctx: RequestContext, resource_arn: str | None) -> str:
        if not resource_arn:
            raise CodeCommitError("ResourceArnRequiredException")
        account, region, name = parse_repository_arn(resource_arn)
        if (account, region) != (ctx.account, ctx.region):
            raise repository_missing(name)
        return name

    async def _edit_tags(self, ctx: RequestContext, name: str, edit: Any) -> None:
        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT id, tags FROM codecommit_repositories WHERE account = ? AND region = ? "
                "AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise repository_missing(name)
            tags = edit(load_tags(row))
            check_tags(tags)
            conn.execute(
                "UPDATE codecommit_repositories SET tags = ? WHERE id = ?",
                (json.dumps(tags), row["id"]),
            )

        await self.store.write(write)

    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._tagged_repository(ctx, params.get("resourceArn"))
        new = params.get("tags")
        if not new:
            raise CodeCommitError("TagsMapRequiredException")
        check_tags(new)
        await self._edit_tags(ctx, name, lambda tags: {**tags, **new})
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._tagged_repository(ctx, params.get("resourceArn"))
        keys = params.get("tagKeys")
        if not keys:
            raise CodeCommitError("TagKeysListRequiredException")
        if any(key.lower().startswith("aws:") for key in keys):
            raise CodeCommitError("InvalidSystemTagUsageException")
        drop = set(keys)
        await self._edit_tags(
            ctx, name, lambda tags: {k: v for k, v in tags.items() if k not in drop}
        )
        return {}

    async def list_tags_for_resource(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = self._tagged_repository(ctx, params.get("resourceArn"))
        row = self.store.read_one(
            "SELECT tags FROM codecommit_repositories WHERE account = ? AND region = ? "
            "AND name = ?",
            (ctx.account, ctx.region, name),
        )
        if row is None:
            raise repository_missing(name)
        return {"tags": load_tags(row)}
