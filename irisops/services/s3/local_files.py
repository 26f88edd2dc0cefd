"""S3 for the other services in this server: files in and out of buckets.

CodeBuild and CodePipeline keep artifacts in S3 as AWS does. They go through the S3
handlers themselves (same validation, same rows, same ``s3.ObjectCreated`` events a
client's PutObject causes), with a :class:`RequestContext` for the account and region the
work belongs to and the file as the streaming body.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irisops.core.context import RequestContext
from irisops.gateway.body import CHUNK, FileBody, RequestBody
from irisops.services.s3.errors import BucketAlreadyOwnedByYou

if TYPE_CHECKING:
    from irisops.services.s3.service import S3Service


class FileRequestBody(RequestBody):
    """A local file as a PutObject body, read off the loop in chunks."""

    def __init__(self, path: Path) -> None:
        super().__init__(stream=None, content_length=path.stat().st_size)  # type: ignore[arg-type]
        self.path = path

    async def _payload(self, size: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(open, self.path, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, max(size, CHUNK)):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)


def service_context(account: str, region: str, operation: str) -> RequestContext:
    return RequestContext(service="s3", operation=operation, account=account, region=region)


async def ensure_bucket(s3: S3Service, account: str, region: str, bucket: str) -> None:
    """Create ``bucket`` in ``region`` unless the account already has it."""
    config: dict[str, Any] = {} if region == "us-east-1" else {"LocationConstraint": region}
    params: dict[str, Any] = {"Bucket": bucket}
    if config:
        params["CreateBucketConfiguration"] = config
    ctx = service_context(account, "us-east-1", "CreateBucket")
    try:
        await s3.create_bucket(ctx, params)
    except BucketAlreadyOwnedByYou:
        pass


async def put_file(
    s3: S3Service,
    account: str,
    region: str,
    bucket: str,
    key: str,
    path: Path,
    content_type: str = "application/octet-stream",
) -> str:
    """PutObject of a local file; returns the object's ETag (quoted, as S3 gives it)."""
    ctx = service_context(account, region, "PutObject")
    params = {
        "Bucket": bucket,
        "Key": key,
        "Body": FileRequestBody(path),
        "ContentType": content_type,
    }
    out = await s3.put_object(ctx, params)
    return str(out["ETag"])


async def get_file(
    s3: S3Service, account: str, region: str, bucket: str, key: str, dest: Path
) -> None:
    """GetObject into a local file (``NoSuchBucket``/``NoSuchKey`` as S3 raises them)."""
    ctx = service_context(account, region, "GetObject")
    out = await s3.get_object(ctx, {"Bucket": bucket, "Key": key})
    body = out["Body"]
    assert isinstance(body, FileBody)
    # Blobs are immutable and a released one stays on disk for a grace period: copy now.
    await asyncio.to_thread(shutil.copyfile, body.path, dest)
