"""S3 for the other services in this server: files in and out of buckets.

CodeBuild and CodePipeline keep artifacts in S3 as AWS does. They go through the S3
handlers themselves (same validation, same rows, same ``s3.ObjectCreated`` events a
client's PutObject causes), with a :class:`RequestContext` for the account and region the
work belongs to and the file as the streaming body.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from functools import partial
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


# -- staging objects as files (SageMaker channels and processing inputs) ---------------


class StagingError(Exception):
    """An S3 location could not be staged (no such bucket, no objects, bad manifest)."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key/prefix`` -> ``("bucket", "key/prefix")``."""
    if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise StagingError(f"{uri} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _check_bucket(s3: S3Service, account: str, bucket: str) -> None:
    row = s3.store.read_one("SELECT account FROM s3_buckets WHERE name = ?", (bucket,))
    if row is None or row["account"] != account:
        raise StagingError(f"the bucket {bucket} does not exist")


async def object_files(
    s3: S3Service, account: str, bucket: str, prefix: str
) -> list[tuple[str, Path]]:
    """``(key, blob path)`` of every object whose key starts with ``prefix``, in key
    order. The paths are S3's immutable blobs: link or copy them, never write them."""
    _check_bucket(s3, account, bucket)
    rows = await s3.store.query(
        "SELECT key, blob FROM s3_objects WHERE bucket = ? AND substr(key, 1, ?) = ? ORDER BY key",
        (bucket, len(prefix), prefix),
    )
    return [(row["key"], s3.blobs.path(row["blob"])) for row in rows]


def link_or_copy(source: Path, dest: Path) -> None:
    """A hard link to ``source`` at ``dest`` (a copy across file systems)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def _safe_relative(name: str) -> Path | None:
    path = Path(name.lstrip("/"))
    if not name or name.endswith("/") or ".." in path.parts or not path.parts:
        return None
    return path


def _place(files: list[tuple[str, Path]], dest: Path, *, copy: bool = False) -> int:
    placed = 0
    for relative, blob in files:
        path = _safe_relative(relative)
        if path is None:
            continue
        if copy:
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(blob, dest / path)
        else:
            link_or_copy(blob, dest / path)
        placed += 1
    return placed


async def stage_prefix(
    s3: S3Service,
    account: str,
    uri: str,
    dest: Path,
    *,
    copy: bool = False,
    empty_ok: bool = False,
    shard: tuple[int, int] = (0, 1),
) -> int:
    """Every object under an S3 prefix as files in ``dest``, named by their key after
    the prefix (a key equal to the prefix keeps its last component); how many. Hard
    links unless ``copy`` (for files a container may change: checkpoints). ``shard``
    ``(i, n)``: only every n-th object from the i-th, in key order (ShardedByS3Key)."""
    bucket, prefix = parse_s3_uri(uri)
    found = await object_files(s3, account, bucket, prefix)
    if not found and not empty_ok:
        raise StagingError(f"no S3 objects found under {uri}")
    files = []
    for key, blob in found:
        relative = key[len(prefix) :].lstrip("/") or key.rsplit("/", 1)[-1]
        files.append((relative, blob))
    index, count = shard
    return await asyncio.to_thread(partial(_place, files[index::count], dest, copy=copy))


async def stage_manifest(s3: S3Service, account: str, uri: str, dest: Path) -> int:
    """The objects a manifest file lists (``[{"prefix": "s3://b/p/"}, "rel", ...]``),
    named by their relative entry; how many."""
    bucket, key = parse_s3_uri(uri)
    manifest = [
        blob for found, blob in await object_files(s3, account, bucket, key) if found == key
    ]
    if not manifest:
        raise StagingError(f"the manifest file {uri} does not exist")
    try:
        entries = json.loads(await asyncio.to_thread(manifest[0].read_bytes))
        base_bucket, base = parse_s3_uri(entries[0]["prefix"])
        names = [str(name) for name in entries[1:]]
    except (ValueError, KeyError, IndexError, TypeError, StagingError) as exc:
        raise StagingError(f"the manifest file {uri} is not a valid manifest: {exc}") from exc
    objects = dict(await object_files(s3, account, base_bucket, base))
    missing = [name for name in names if base + name not in objects]
    if missing:
        raise StagingError(
            f"s3://{base_bucket}/{base}{missing[0]} (listed in {uri}) does not exist"
        )
    return await asyncio.to_thread(_place, [(name, objects[base + name]) for name in names], dest)


async def put_directory(s3: S3Service, account: str, region: str, uri: str, source: Path) -> int:
    """Every regular file under ``source`` to ``uri`` + its relative path (symlinks
    are not followed); how many."""
    bucket, prefix = parse_s3_uri(uri)
    prefix = prefix.rstrip("/")

    def regular_files() -> list[Path]:
        return sorted(
            path for path in source.rglob("*") if path.is_file() and not path.is_symlink()
        )

    files = await asyncio.to_thread(regular_files)
    for path in files:
        relative = path.relative_to(source).as_posix()
        key = f"{prefix}/{relative}" if prefix else relative
        await put_file(s3, account, region, bucket, key, path)
    return len(files)


async def sync_directory(
    s3: S3Service, account: str, region: str, uri: str, source: Path
) -> tuple[int, int]:
    """Make the objects under ``uri`` what ``source`` holds: every file put, every
    object without a file deleted; (put, deleted)."""
    bucket, prefix = parse_s3_uri(uri)
    base = prefix.rstrip("/")
    put = await put_directory(s3, account, region, uri, source)
    existing = await object_files(s3, account, bucket, f"{base}/" if base else "")
    ctx = service_context(account, region, "DeleteObject")
    deleted = 0
    for key, _ in existing:
        relative = key[len(base) :].lstrip("/") if base else key
        local = source / relative
        if not (local.is_file() and not local.is_symlink()):
            await s3.delete_object(ctx, {"Bucket": bucket, "Key": key})
            deleted += 1
    return put, deleted
