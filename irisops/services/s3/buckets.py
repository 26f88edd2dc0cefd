"""Bucket operations: create, head, list, delete, location, tagging."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.s3 import tagging
from irisops.services.s3.base import S3Base, now_seconds
from irisops.services.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalLocationConstraint,
    InvalidArgument,
    InvalidLocationConstraint,
    NoSuchBucket,
    NoSuchTagSet,
)
from irisops.services.s3.listing import decode_token, encode_token, prefix_upper_bound
from irisops.services.s3.names import bucket_arn, canonical_user_id, check_bucket_name
from irisops.services.s3.records import timestamp

US_EAST_1 = "us-east-1"
#: LocationConstraint aliases S3 still accepts.
LOCATION_ALIASES = {"EU": "eu-west-1"}
MAX_BUCKETS_PAGE = 10_000


def creation_region(request_region: str, constraint: str | None) -> str:
    """The region a CreateBucket sent to ``request_region`` puts the bucket in.

    The us-east-1 endpoint is S3's global one: no constraint means us-east-1 and any
    other region may be named, but not us-east-1 itself. A regional endpoint takes only
    its own region.
    """
    constraint = LOCATION_ALIASES.get(constraint or "", constraint)
    if request_region == US_EAST_1:
        if constraint == US_EAST_1:
            raise InvalidLocationConstraint(
                "The specified location-constraint is not valid", LocationConstraint=constraint
            )
        return constraint or US_EAST_1
    if not constraint:
        raise IllegalLocationConstraint(
            "The unspecified location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    if constraint != request_region:
        raise IllegalLocationConstraint(
            f"The {constraint} location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    return constraint


class BucketOperations(S3Base):
    async def create_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Bucket"]
        check_bucket_name(name)
        config = params.get("CreateBucketConfiguration") or {}
        region = creation_region(ctx.region, config.get("LocationConstraint"))
        existing = self.bucket_row(name)
        if existing is None:
            created = now_seconds()

            def insert(conn: sqlite3.Connection) -> sqlite3.Row | None:
                row = conn.execute(
                    "SELECT account, region FROM s3_buckets WHERE name = ?", (name,)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO s3_buckets (name, account, region, created) "
                        "VALUES (?, ?, ?, ?)",
                        (name, ctx.account, region, created),
                    )
                return row

            existing = await self.store.write(insert)
            if existing is None:
                self.publish(
                    ctx, "s3.BucketCreated", bucket_arn(name), bucket=name, location=region
                )
                return {"Location": f"/{name}"}
        if existing["account"] != ctx.account:
            raise BucketAlreadyExists(name)
        if existing["region"] == US_EAST_1 and region == US_EAST_1:
            # S3's legacy behaviour in us-east-1: re-creating your own bucket succeeds.
            return {"Location": f"/{name}"}
        raise BucketAlreadyOwnedByYou(name)

    async def head_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self.require_bucket(params["Bucket"], params)
        return {"BucketRegion": row["region"], "AccessPointAlias": False}

    async def get_bucket_location(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = self.require_bucket(params["Bucket"], params)
        region = row["region"]
        return {"LocationConstraint": None if region == US_EAST_1 else region}

    async def list_buckets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        max_buckets = params.get("MaxBuckets")
        if max_buckets is not None and not 1 <= max_buckets <= MAX_BUCKETS_PAGE:
            raise InvalidArgument(
                "Argument max-buckets must be an integer between 1 and 10000",
                "max-buckets",
                max_buckets,
            )
        sql = "SELECT name, region, created FROM s3_buckets WHERE account = ?"
        args: list[Any] = [ctx.account]
        prefix = params.get("Prefix")
        if prefix:
            sql += " AND name >= ?"
            args.append(prefix)
            upper = prefix_upper_bound(prefix)
            if upper is not None:
                sql += " AND name < ?"
                args.append(upper)
        if params.get("ContinuationToken"):
            sql += " AND name > ?"
            args.append(decode_token(params["ContinuationToken"]))
        if params.get("BucketRegion"):
            sql += " AND region = ?"
            args.append(params["BucketRegion"])
        limit = max_buckets or MAX_BUCKETS_PAGE
        sql += " ORDER BY name LIMIT ?"
        args.append(limit + 1)
        rows = await self.store.query(sql, args)
        out: dict[str, Any] = {
            "Buckets": [
                {
                    "Name": row["name"],
                    "CreationDate": timestamp(row["created"]),
                    "BucketRegion": row["region"],
                }
                for row in rows[:limit]
            ],
            "Owner": {"ID": canonical_user_id(ctx.account)},
        }
        if len(rows) > limit:
            out["ContinuationToken"] = encode_token(rows[limit - 1]["name"])
        if prefix is not None:
            out["Prefix"] = prefix
        return out

    async def delete_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Bucket"]
        self.require_bucket(name, params)

        def delete(conn: sqlite3.Connection) -> list[str]:
            if conn.execute("SELECT 1 FROM s3_buckets WHERE name = ?", (name,)).fetchone() is None:
                raise NoSuchBucket(name)
            if conn.execute(
                "SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (name,)
            ).fetchone():
                raise BucketNotEmpty(name)
            # Incomplete multipart uploads do not keep a bucket alive; they go with it.
            blobs = [
                row["blob"]
                for row in conn.execute(
                    "SELECT p.blob FROM s3_parts p JOIN s3_uploads u USING (upload_id) "
                    "WHERE u.bucket = ?",
                    (name,),
                )
            ]
            conn.execute(
                "DELETE FROM s3_parts WHERE upload_id IN "
                "(SELECT upload_id FROM s3_uploads WHERE bucket = ?)",
                (name,),
            )
            conn.execute("DELETE FROM s3_uploads WHERE bucket = ?", (name,))
            conn.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
            return blobs

        released = await self.store.write(delete)
        self.blobs.release(released)
        self.publish(ctx, "s3.BucketDeleted", bucket_arn(name), bucket=name)
        return {}

    # -- tagging ---------------------------------------------------------------------------

    async def put_bucket_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["Bucket"]
        self.require_bucket(name, params)
        tags = tagging.check_bucket_tags(
            tagging.from_tag_set((params.get("Tagging") or {}).get("TagSet"))
        )
        await self._set_bucket_tags(name, json.dumps(tags))
        self.publish(ctx, "s3.BucketTaggingUpdated", bucket_arn(name), bucket=name, tags=dict(tags))
        return {}

    async def get_bucket_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = self.require_bucket(params["Bucket"], params)
        if row["tags"] is None:
            raise NoSuchTagSet(params["Bucket"])
        return {"TagSet": tagging.to_tag_set([(k, v) for k, v in json.loads(row["tags"])])}

    async def delete_bucket_tagging(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["Bucket"]
        row = self.require_bucket(name, params)
        if row["tags"] is not None:
            await self._set_bucket_tags(name, None)
            self.publish(ctx, "s3.BucketTaggingUpdated", bucket_arn(name), bucket=name, tags={})
        return {}

    async def _set_bucket_tags(self, name: str, tags: str | None) -> None:
        def update(conn: sqlite3.Connection) -> None:
            changed = conn.execute(
                "UPDATE s3_buckets SET tags = ? WHERE name = ?", (tags, name)
            ).rowcount
            if not changed:
                raise NoSuchBucket(name)

        await self.store.write(update)
