"""S3 handlers on a real store and data dir: storage layout, crash cleanup, multipart."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from irisops.config import Config
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.core.events import EventBus
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.gateway.body import FileBody, RequestBody
from irisops.services.s3 import S3Service
from irisops.services.s3.errors import MIN_PART_SIZE

BUCKET = "unit-bucket"


async def open_service(data_dir: Path) -> S3Service:
    store = Store(data_dir / "state.db", fsync=False)
    runtime = Runtime(
        config=Config(data_dir=data_dir, fsync=False),
        store=store,
        bus=EventBus(),
        data_dir=data_dir,
    )
    service = S3Service(runtime)
    store.add_schema(service.schema)
    await store.open()
    await service.start()
    return service


async def close_service(service: S3Service) -> None:
    await service.stop()
    await service.store.close()


@pytest.fixture
async def s3(tmp_path: Path) -> AsyncIterator[S3Service]:
    service = await open_service(tmp_path)
    await call(service, "CreateBucket", Bucket=BUCKET)
    yield service
    await close_service(service)


def body(data: bytes, headers: dict[str, str] | None = None) -> RequestBody:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), max(2**16, len(data)), loop=loop)
    for start in range(0, len(data), 65536):
        reader.feed_data(data[start : start + 65536])
    reader.feed_eof()
    return RequestBody.from_stream(reader, headers or {}, len(data))


async def call(
    service: S3Service,
    operation: str,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
    **params: Any,
) -> dict[str, Any]:
    handler = service.handler(operation)
    assert handler is not None, operation
    ctx = RequestContext(service="s3", operation=operation, account=account, region=region)
    return await handler(ctx, params)


async def error_of(service: S3Service, operation: str, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        await call(service, operation, **params)
    return info.value


def read(file_body: FileBody) -> bytes:
    with open(file_body.path, "rb") as f:
        f.seek(file_body.offset)
        return f.read(file_body.length)


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def blob_files(service: S3Service) -> set[str]:
    return set(os.listdir(service.blobs.root))


async def test_object_bytes_live_in_a_random_file_never_named_by_the_key(
    s3: S3Service, tmp_path: Path
) -> None:
    key = "../../etc/passwd"
    await call(s3, "PutObject", Bucket=BUCKET, Key=key, Body=body(b"root:x:0:0"))
    got = await call(s3, "GetObject", Bucket=BUCKET, Key=key)
    path = got["Body"].path
    assert path.parent == s3.blobs.root
    assert len(path.name) == 32 and int(path.name, 16) >= 0
    assert read(got["Body"]) == b"root:x:0:0"
    everything = files_under(tmp_path)
    assert not [p for p in everything if "passwd" in str(p) or "etc" in p.parts]
    assert all(str(p).startswith(("state.db", "s3")) for p in everything)


async def test_overwrite_releases_the_old_file(s3: S3Service) -> None:
    await call(s3, "PutObject", Bucket=BUCKET, Key="k", Body=body(b"one"))
    first = blob_files(s3)
    await call(s3, "PutObject", Bucket=BUCKET, Key="k", Body=body(b"two"))
    await s3.blobs.flush_released()
    second = blob_files(s3)
    assert len(first) == len(second) == 1 and first != second
    got = await call(s3, "GetObject", Bucket=BUCKET, Key="k")
    assert read(got["Body"]) == b"two"


async def test_start_removes_temp_files_and_unreferenced_blobs(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    await call(service, "CreateBucket", Bucket=BUCKET)
    await call(service, "PutObject", Bucket=BUCKET, Key="kept", Body=body(b"kept"))
    kept = blob_files(service)
    await close_service(service)
    root = tmp_path / "s3" / "blobs"
    (root / ("ab" * 16)).write_bytes(b"renamed but never committed")
    (root / ".tmp-half-written").write_bytes(b"partial")

    service = await open_service(tmp_path)
    try:
        assert blob_files(service) == kept
        got = await call(service, "GetObject", Bucket=BUCKET, Key="kept")
        assert read(got["Body"]) == b"kept"
    finally:
        await close_service(service)


async def test_content_md5_mismatch_is_bad_digest_and_leaves_no_file(s3: S3Service) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    error = await error_of(
        s3, "PutObject", Bucket=BUCKET, Key="k", Body=body(b"data"), ContentMD5=wrong
    )
    assert error.code == "BadDigest"
    assert blob_files(s3) == set()
    error = await error_of(
        s3, "PutObject", Bucket=BUCKET, Key="k", Body=body(b"data"), ContentMD5="short"
    )
    assert error.code == "InvalidDigest"


async def test_checksum_trailer_of_an_aws_chunked_upload_is_verified(s3: S3Service) -> None:
    data = b"chunked payload"
    crc = base64.b64encode(hashlib.sha256(data).digest()).decode()
    wire = b"%x\r\n%s\r\n0\r\nx-amz-checksum-sha256:%s\r\n\r\n" % (len(data), data, crc.encode())
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-sha256",
    }
    out = await call(
        s3,
        "PutObject",
        Bucket=BUCKET,
        Key="c",
        Body=body(wire, headers),
        ContentEncoding="aws-chunked",
    )
    assert out["ChecksumSHA256"] == crc
    head = await call(s3, "HeadObject", Bucket=BUCKET, Key="c", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data) and head["ChecksumSHA256"] == crc
    assert "ContentEncoding" not in head

    bad = wire.replace(crc.encode(), base64.b64encode(b"\0" * 32))
    error = await error_of(s3, "PutObject", Bucket=BUCKET, Key="d", Body=body(bad, headers))
    assert error.code == "BadDigest"


async def test_events_are_published_after_commit(s3: S3Service) -> None:
    with s3.bus.subscribe() as events:
        await call(s3, "PutObject", Bucket=BUCKET, Key="e", Body=body(b"x"))
        await call(s3, "DeleteObject", Bucket=BUCKET, Key="e")
        created, deleted = await events.get(), await events.get()
    assert created is not None and deleted is not None
    assert created.type == "s3.ObjectCreated" and created.detail["key"] == "e"
    assert created.resource == f"arn:aws:s3:::{BUCKET}/e"
    assert deleted.type == "s3.ObjectDeleted"


async def test_bucket_creation_rules(s3: S3Service) -> None:
    # us-east-1: the owner re-creating its bucket gets 200, as in real S3
    assert await call(s3, "CreateBucket", Bucket=BUCKET) == {"Location": f"/{BUCKET}"}
    error = await error_of(s3, "CreateBucket", Bucket=BUCKET, account="210987654321")
    assert (error.code, error.status) == ("BucketAlreadyExists", 409)
    config = {"LocationConstraint": "eu-west-1"}
    await call(
        s3, "CreateBucket", Bucket="eu-bucket", region="eu-west-1", CreateBucketConfiguration=config
    )
    error = await error_of(
        s3, "CreateBucket", Bucket="eu-bucket", region="eu-west-1", CreateBucketConfiguration=config
    )
    assert (error.code, error.status) == ("BucketAlreadyOwnedByYou", 409)
    error = await error_of(s3, "CreateBucket", Bucket="other", region="eu-west-1")
    assert error.code == "IllegalLocationConstraintException"
    error = await error_of(s3, "CreateBucket", Bucket="Upper")
    assert (error.code, error.fields) == ("InvalidBucketName", {"BucketName": "Upper"})
    location = await call(s3, "GetBucketLocation", Bucket="eu-bucket")
    assert location == {"LocationConstraint": "eu-west-1"}


async def test_multipart_upload_concatenates_parts(s3: S3Service) -> None:
    created = await call(
        s3, "CreateMultipartUpload", Bucket=BUCKET, Key="mp", ChecksumAlgorithm="CRC32"
    )
    upload_id = created["UploadId"]
    first, second = os.urandom(MIN_PART_SIZE), os.urandom(1000)
    etags = []
    for number, data in ((1, first), (2, second)):
        out = await call(
            s3,
            "UploadPart",
            Bucket=BUCKET,
            Key="mp",
            UploadId=upload_id,
            PartNumber=number,
            Body=body(data),
        )
        etags.append(out["ETag"])
    parts = [{"PartNumber": n, "ETag": e} for n, e in ((1, etags[0]), (2, etags[1]))]

    error = await error_of(
        s3,
        "CompleteMultipartUpload",
        Bucket=BUCKET,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts[::-1]},
    )
    assert error.code == "InvalidPartOrder"
    error = await error_of(
        s3,
        "CompleteMultipartUpload",
        Bucket=BUCKET,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0"'}]},
    )
    assert error.code == "InvalidPart"

    done = await call(
        s3,
        "CompleteMultipartUpload",
        Bucket=BUCKET,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
    )
    md5s = b"".join(hashlib.md5(d).digest() for d in (first, second))
    assert done["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    assert done["ChecksumCRC32"].endswith("-2") and done["ChecksumType"] == "COMPOSITE"
    got = await call(s3, "GetObject", Bucket=BUCKET, Key="mp", PartNumber=2)
    assert read(got["Body"]) == second and got["PartsCount"] == 2
    got = await call(s3, "GetObject", Bucket=BUCKET, Key="mp")
    assert read(got["Body"]) == first + second
    await s3.blobs.flush_released()
    assert len(blob_files(s3)) == 1
    error = await error_of(s3, "ListParts", Bucket=BUCKET, Key="mp", UploadId=upload_id)
    assert (error.code, error.fields) == ("NoSuchUpload", {"UploadId": upload_id})


async def test_small_non_last_part_is_entity_too_small(s3: S3Service) -> None:
    upload_id = (await call(s3, "CreateMultipartUpload", Bucket=BUCKET, Key="s"))["UploadId"]
    parts = []
    for number in (1, 2):
        out = await call(
            s3,
            "UploadPart",
            Bucket=BUCKET,
            Key="s",
            UploadId=upload_id,
            PartNumber=number,
            Body=body(b"tiny"),
        )
        parts.append({"PartNumber": number, "ETag": out["ETag"]})
    error = await error_of(
        s3,
        "CompleteMultipartUpload",
        Bucket=BUCKET,
        Key="s",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
    )
    assert error.code == "EntityTooSmall"
    assert error.fields["ProposedSize"] == 4 and error.fields["MinSizeAllowed"] == MIN_PART_SIZE
    await call(s3, "AbortMultipartUpload", Bucket=BUCKET, Key="s", UploadId=upload_id)
    await s3.blobs.flush_released()
    assert blob_files(s3) == set()


async def test_copy_is_a_new_file_with_the_same_bytes(s3: S3Service) -> None:
    await call(
        s3, "PutObject", Bucket=BUCKET, Key="src key", Body=body(b"copy me"), Metadata={"a": "1"}
    )
    out = await call(s3, "CopyObject", Bucket=BUCKET, Key="dst", CopySource=f"{BUCKET}/src%20key")
    head = await call(s3, "HeadObject", Bucket=BUCKET, Key="dst")
    assert out["CopyObjectResult"]["ETag"] == head["ETag"] and head["Metadata"] == {"a": "1"}
    await call(s3, "DeleteObject", Bucket=BUCKET, Key="src key")
    await s3.blobs.flush_released()
    got = await call(s3, "GetObject", Bucket=BUCKET, Key="dst")
    assert read(got["Body"]) == b"copy me"
    error = await error_of(s3, "CopyObject", Bucket=BUCKET, Key="dst", CopySource=f"{BUCKET}/dst")
    assert error.code == "InvalidRequest"
