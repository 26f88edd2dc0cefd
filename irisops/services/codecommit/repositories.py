"""Repository operations: create, get, list, delete, describe, rename."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.codecommit.access import RepositoryAccess
from irisops.services.codecommit.errors import (
    CodeCommitError,
    repository_exists,
    repository_missing,
)
from irisops.services.codecommit.lookups import find_repository, repository_row
from irisops.services.codecommit.paging import decode_token, encode_token
from irisops.services.codecommit.records import check_name, metadata, repository_arn
from irisops.services.codecommit.tags import check_tags

LIST_PAGE = 1000
MAX_BATCH_NAMES = 100


class RepositoryOperations(RepositoryAccess):
    async def create_repository(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = check_name(params.get("repositoryName"))
        tags = params.get("tags") or {}
        check_tags(tags)
        if find_repository(self.store, ctx.account, ctx.region, name) is not None:
            raise repository_exists(name)
        repository_id = str(uuid.uuid4())
        now = epoch_ms()
        await self.blocking(lambda: self.files.create(repository_id))

        def write(conn: sqlite3.Connection) -> sqlite3.Row:
            try:
                conn.execute(
                    "INSERT INTO codecommit_repositories (id, account, region, name, "
                    "description, kms_key_id, creation_date, last_modified_date, tags) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        repository_id,
                        ctx.account,
                        ctx.region,
                        name,
                        params.get("repositoryDescription"),
                        params.get("kmsKeyId"),
                        now,
                        now,
                        json.dumps(tags),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise repository_exists(name) from exc
            return conn.execute(
                "SELECT * FROM codecommit_repositories WHERE id = ?", (repository_id,)
            ).fetchone()

        try:
            row = await self.store.write(write)
        except BaseException:
            await self.blocking(lambda: self.files.remove(repository_id))
            raise
        self.publish(
            ctx,
            "codecommit.RepositoryCreated",
            repository_arn(ctx.region, ctx.account, name),
            repositoryName=name,
            repositoryId=repository_id,
        )
        return {"repositoryMetadata": metadata(self.config, row)}

    async def get_repository(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        return {"repositoryMetadata": metadata(self.config, row)}

    async def batch_get_repositories(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        names = params.get("repositoryNames") or []
        if not names:
            raise CodeCommitError("RepositoryNamesRequiredException")
        if len(names) > MAX_BATCH_NAMES:
            raise CodeCommitError("MaximumRepositoryNamesExceededException")
        found, missing, errors = [], [], []
        for name in names:
            row = find_repository(self.store, ctx.account, ctx.region, check_name(name))
            if row is None:
                missing.append(name)
                errors.append(
                    {
                        "repositoryName": name,
                        "errorCode": "RepositoryDoesNotExistException",
                        "errorMessage": f"{name} does not exist",
                    }
                )
            else:
                found.append(metadata(self.config, row))
        return {"repositories": found, "repositoriesNotFound": missing, "errors": errors}

    async def list_repositories(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        sort_by = params.get("sortBy") or "repositoryName"
        order = params.get("order") or "ascending"
        column = "name" if sort_by == "repositoryName" else "last_modified_date"
        direction = "ASC" if order == "ascending" else "DESC"
        offset = 0
        token = params.get("nextToken")
        if token:
            offset = decode_token(token, f"repos:{sort_by}:{order}")
        rows = await self.store.query(
            f"SELECT id, name FROM codecommit_repositories WHERE account = ? AND region = ? "
            f"ORDER BY {column} {direction}, name {direction} LIMIT ? OFFSET ?",
            (ctx.account, ctx.region, LIST_PAGE + 1, offset),
        )
        out: dict[str, Any] = {
            "repositories": [
                {"repositoryName": row["name"], "repositoryId": row["id"]}
                for row in rows[:LIST_PAGE]
            ]
        }
        if len(rows) > LIST_PAGE:
            out["nextToken"] = encode_token(f"repos:{sort_by}:{order}", offset + LIST_PAGE)
        return out

    async def delete_repository(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = check_name(params.get("repositoryName"))
        row = find_repository(self.store, ctx.account, ctx.region, name)
        if row is None:
            return {}
        repository_id = row["id"]
        async with self.lock(repository_id):
            deleted = await self.store.execute(
                "DELETE FROM codecommit_repositories WHERE id = ?", (repository_id,)
            )
            if deleted:
                await self.blocking(lambda: self.files.remove(repository_id))
        self._locks.pop(repository_id, None)
        if not deleted:
            return {}
        self.publish(
            ctx,
            "codecommit.RepositoryDeleted",
            repository_arn(ctx.region, ctx.account, name),
            repositoryName=name,
            repositoryId=repository_id,
        )
        return {"repositoryId": repository_id}

    async def update_repository_description(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_row(self.store, ctx, params.get("repositoryName"))
        await self.store.execute(
            "UPDATE codecommit_repositories SET description = ?, last_modified_date = ? "
            "WHERE id = ?",
            (params.get("repositoryDescription"), epoch_ms(), row["id"]),
        )
        return {}

    async def update_repository_name(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        old = check_name(params.get("oldName"))
        new = check_name(params.get("newName"))

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT id FROM codecommit_repositories WHERE account = ? AND region = ? "
                "AND name = ?",
                (ctx.account, ctx.region, old),
            ).fetchone()
            if row is None:
                raise repository_missing(old)
            if old == new:
                return
            try:
                conn.execute(
                    "UPDATE codecommit_repositories SET name = ?, last_modified_date = ? "
                    "WHERE id = ?",
                    (new, epoch_ms(), row["id"]),
                )
            except sqlite3.IntegrityError as exc:
                raise repository_exists(new) from exc

        await self.store.write(write)
        return {}
