"""Repository operations: create, describe, delete, tag mutability."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.ecr import records
from irisops.services.ecr.errors import (
    InvalidParameter,
    repository_exists,
    repository_not_empty,
    repository_not_found,
)
from irisops.services.ecr.lookups import registry_account, repository_for
from irisops.services.ecr.paging import page
from irisops.services.ecr.tags import check_tags


class RepositoryOperations(Service):
    async def create_repository(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        account = registry_account(ctx, params)
        name = params["repositoryName"]
        tags = params.get("tags") or []
        check_tags(tags)
        encryption = params.get("encryptionConfiguration") or {"encryptionType": "AES256"}
        if encryption.get("encryptionType") == "AES256" and encryption.get("kmsKey"):
            raise InvalidParameter(
                "Invalid parameter at 'encryptionConfiguration': kmsKey can only be specified "
                "when encryptionType is KMS"
            )
        scanning = params.get("imageScanningConfiguration") or {}
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> sqlite3.Row:
            try:
                conn.execute(
                    "INSERT INTO ecr_repositories (account, region, name, created_at, "
                    "tag_mutability, scan_on_push, encryption, tags) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        account,
                        ctx.region,
                        name,
                        now,
                        params.get("imageTagMutability") or "MUTABLE",
                        int(bool(scanning.get("scanOnPush"))),
                        json.dumps(encryption),
                        json.dumps(tags),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise repository_exists(name, account) from exc
            return conn.execute(
                "SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
                (account, ctx.region, name),
            ).fetchone()

        row = await self.store.write(write)
        self.publish(
            ctx,
            "ecr.RepositoryCreated",
            records.repository_arn(ctx.region, account, name),
            repositoryName=name,
        )
        return {"repository": records.describe_repository(row, self.config)}

    async def describe_repositories(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        account = registry_account(ctx, params)
        names = params.get("repositoryNames")
        if names and params.get("nextToken"):
            raise InvalidParameter(
                "Invalid parameter at 'nextToken': cannot be used with repositoryNames"
            )
        rows = await self.store.query(
            "SELECT * FROM ecr_repositories WHERE account = ? AND region = ? ORDER BY name",
            (account, ctx.region),
        )
        if names:
            by_name = {row["name"]: row for row in rows}
            for name in names:
                if name not in by_name:
                    raise repository_not_found(name, account)
            rows = [by_name[name] for name in dict.fromkeys(names)]
        chunk, token = page(rows, "DescribeRepositories", params, lambda row: row["name"])
        out: dict[str, Any] = {
            "repositories": [records.describe_repository(row, self.config) for row in chunk]
        }
        if token:
            out["nextToken"] = token
        return out

    async def delete_repository(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        account = registry_account(ctx, params)
        name = params["repositoryName"]
        force = bool(params.get("force"))

        def write(conn: sqlite3.Connection) -> sqlite3.Row:
            row = conn.execute(
                "SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
                (account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise repository_not_found(name, account)
            images = conn.execute(
                "SELECT count(*) FROM ecr_images WHERE repository_id = ?", (row["id"],)
            ).fetchone()[0]
            if images and not force:
                raise repository_not_empty(name, account)
            conn.execute("DELETE FROM ecr_repositories WHERE id = ?", (row["id"],))
            return row

        row = await self.store.write(write)
        self.publish(
            ctx,
            "ecr.RepositoryDeleted",
            records.repository_arn(ctx.region, account, name),
            repositoryName=name,
        )
        return {"repository": records.describe_repository(row, self.config)}

    async def put_image_tag_mutability(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_for(self.store, ctx, params)
        mutability = params["imageTagMutability"]
        await self.store.execute(
            "UPDATE ecr_repositories SET tag_mutability = ? WHERE id = ?", (mutability, row["id"])
        )
        return {
            "registryId": row["account"],
            "repositoryName": row["name"],
            "imageTagMutability": mutability,
        }
