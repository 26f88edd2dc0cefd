"""What the S3 operation groups share: the blob store, lifecycle, and the point reads
every handler starts with."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, NoReturn

from irisops.core.context import RequestContext
from irisops.core.runtime import Runtime
from irisops.services.base import Service
from irisops.services.s3.blobs import BlobStore
from irisops.services.s3.conditions import etag_matches
from irisops.services.s3.errors import AccessDenied, NoSuchBucket, NoSuchKey, PreconditionFailed
from irisops.services.s3.names import object_arn
from irisops.services.s3.records import OBJECT_COLUMNS, ObjectRecord, timestamp
from irisops.services.s3.schema import SCHEMA

BUCKET_SQL = "SELECT name, account, region, created, tags FROM s3_buckets WHERE name = ?"
OBJECT_SQL = f"SELECT {OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ?"
UPSERT_OBJECT_SQL = (
    f"INSERT OR REPLACE INTO s3_objects ({OBJECT_COLUMNS}) "
    f"VALUES ({', '.join('?' * len(OBJECT_COLUMNS.split(',')))})"
)
OBJECT_BLOB_SQL = "SELECT blob, etag FROM s3_objects WHERE bucket = ? AND key = ?"


def now_seconds() -> int:
    """S3 keeps times to the second (listings show ``.000Z``)."""
    return int(time.time())


class S3Base(Service):
    name: ClassVar[str] = "s3"
    schema: ClassVar[str] = SCHEMA
    xml_namespace: ClassVar[str] = "http://s3.amazonaws.com/doc/2006-03-01/"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        workers = min(16, (os.cpu_count() or 2) * 2 + 2)
        self._io = ThreadPoolExecutor(workers, thread_name_prefix="s3-io")
        self.blobs = BlobStore(
            runtime.blob_dir("s3", "blobs"), fsync=self.config.fsync, executor=self._io
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Remove what a crash left behind: temp files, and blobs no committed row names."""
        rows = await self.store.query(
            "SELECT blob FROM s3_objects UNION ALL SELECT blob FROM s3_parts"
        )
        await self.blobs.sweep({row["blob"] for row in rows})

    async def stop(self) -> None:
        await self.blobs.flush_released()
        await asyncio.to_thread(self._io.shutdown, True)

    async def reset(self) -> None:
        def wipe(conn: sqlite3.Connection) -> None:
            for table in ("s3_parts", "s3_uploads", "s3_objects", "s3_buckets"):
                conn.execute(f"DELETE FROM {table}")

        await self.store.write(wipe)
        await self.blobs.wipe()

    def snapshot(self) -> dict[str, Any]:
        counts = {
            row["bucket"]: (row["objects"], row["bytes"])
            for row in self.store.read(
                "SELECT bucket, COUNT(*) AS objects, SUM(size) AS bytes "
                "FROM s3_objects GROUP BY bucket"
            )
        }
        buckets = []
        for row in self.store.read(
            "SELECT name, account, region, created FROM s3_buckets ORDER BY name"
        ):
            objects, size = counts.get(row["name"], (0, 0))
            buckets.append(
                {
                    "name": row["name"],
                    "account": row["account"],
                    "region": row["region"],
                    "created": timestamp(row["created"]).isoformat(),
                    "objects": objects,
                    "bytes": size or 0,
                }
            )
        uploads = self.store.read_one("SELECT COUNT(*) AS n FROM s3_uploads")
        return {"buckets": buckets, "multipart_uploads": uploads["n"] if uploads else 0}

    # -- reads -----------------------------------------------------------------------------

    def bucket_row(self, name: str) -> sqlite3.Row | None:
        return self.store.read_one(BUCKET_SQL, (name,))

    def require_bucket(self, name: str, params: dict[str, Any] | None = None) -> sqlite3.Row:
        row = self.bucket_row(name)
        if row is None:
            raise NoSuchBucket(name)
        expected = params.get("ExpectedBucketOwner") if params else None
        if expected and expected != row["account"]:
            raise AccessDenied()
        return row

    def object_record(self, bucket: str, key: str) -> ObjectRecord | None:
        row = self.store.read_one(OBJECT_SQL, (bucket, key))
        return ObjectRecord.from_row(row) if row is not None else None

    def missing_object(self, bucket: str, key: str) -> NoReturn:
        """Raise what S3 answers for an object that is not there."""
        self.require_bucket(bucket)
        raise NoSuchKey(key)

    def publish_object(
        self,
        ctx: RequestContext,
        type: str,
        record: ObjectRecord | None,
        bucket: str,
        key: str,
        **detail: Any,
    ) -> None:
        if record is not None:
            detail.update(size=record.size, etag=record.etag)
        self.publish(ctx, type, object_arn(bucket, key), bucket=bucket, key=key, **detail)


def bucket_must_exist(conn: sqlite3.Connection, bucket: str) -> None:
    """Inside a write: the bucket may have been deleted since the handler looked."""
    if conn.execute("SELECT 1 FROM s3_buckets WHERE name = ?", (bucket,)).fetchone() is None:
        raise NoSuchBucket(bucket)


def store_object(
    record: ObjectRecord,
    if_match: str | None,
    if_none_match: str | None,
    conn: sqlite3.Connection,
) -> str | None:
    """Inside a write: put an object row in place; the blob it replaced, if any.

    The conditional-write headers are checked here, against the committed state.
    """
    bucket_must_exist(conn, record.bucket)
    current = conn.execute(OBJECT_BLOB_SQL, (record.bucket, record.key)).fetchone()
    if if_none_match is not None and current is not None:
        raise PreconditionFailed("If-None-Match")
    if if_match is not None:
        if current is None:
            raise NoSuchKey(record.key)
        if not etag_matches(if_match, current["etag"]):
            raise PreconditionFailed("If-Match")
    conn.execute(UPSERT_OBJECT_SQL, record.row())
    return current["blob"] if current is not None else None
