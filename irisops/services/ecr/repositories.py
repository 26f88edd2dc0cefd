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


def mutability_filters(mutability: str, params: dict[str, Any]) -> list[dict[str, str]]:
    """The exclusion filters, which go with the ``*_WITH_EXCLUSION`` settings only."""
    filters = params.get("imageTagMutabilityExclusionFilters") or []
    if mutability.endswith("_WITH_EXCLUSION") and not filters:
        raise InvalidParameter(  # unconfirmed text
            "Invalid parameter at 'imageTagMutabilityExclusionFilters': at least one filter "
            f"is required with {mutability}"
        )
    if filters and not mutability.endswith("_WITH_EXCLUSION"):
        raise InvalidParameter(  # unconfirmed text
            "Invalid parameter at 'imageTagMutabilityExclusionFilters': filters can only be "
            f"given with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not {mutability}"
        )
    return [{"filterType": f["filterType"], "filter": f["filter"]} for f in filters]


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
        mutability = params.get("imageTagMutability") or "MUTABLE"
        filters = mutability_filters(mutability, params)
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> sqlite3.Row:
            try:
                conn.execute(
                    "INSERT INTO ecr_repositories (account, region, name, created_at, "
                    "tag_mutability, tag_mutability_filters, scan_on_push, encryption, tags) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        account,
                        ctx.region,
                        name,
                        now,
                        mutability,
                        json.dumps(filters),
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

        def write(conn: sqlite3.Connection) -> tuple[sqlite3.Row, list[tuple[str, str | None]]]:
            row = conn.execute(
                "SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?",
                (account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise repository_not_found(name, account)
            images = [
                (image["digest"], image["tag"])
                for image in conn.execute(
                    "SELECT i.digest, t.tag FROM ecr_images i LEFT JOIN ecr_image_tags t "
                    "ON t.repository_id = i.repository_id AND t.digest = i.digest "
                    "WHERE i.repository_id = ? ORDER BY i.digest, t.tag",
                    (row["id"],),
                )
            ]
            if images and not force:
                raise repository_not_empty(name, account)
            conn.execute("DELETE FROM ecr_repositories WHERE id = ?", (row["id"],))
            return row, images

        row, images = await self.store.write(write)
        resource = records.repository_arn(ctx.region, account, name)
        for digest, tag in images:
            self.publish(
                ctx,
                "ecr.ImageDeleted",
                resource,
                repositoryName=name,
                imageDigest=digest,
                imageTag=tag,
                via="api",
            )
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
        filters = mutability_filters(mutability, params)
        await self.store.execute(
            "UPDATE ecr_repositories SET tag_mutability = ?, tag_mutability_filters = ? "
            "WHERE id = ?",
            (mutability, json.dumps(filters), row["id"]),
        )
        out: dict[str, Any] = {
            "registryId": row["account"],
            "repositoryName": row["name"],
            "imageTagMutability": mutability,
        }
        if filters:
            out["imageTagMutabilityExclusionFilters"] = filters
        return out
