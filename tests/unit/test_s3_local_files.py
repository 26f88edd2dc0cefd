"""Other services' way into S3: files put and got through the S3 handlers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from irisops.core.errors import AwsError
from irisops.services.s3 import S3Service
from irisops.services.s3.local_files import ensure_bucket, get_file, put_file
from tests.unit.test_s3_service import close_service, open_service


@pytest.fixture
async def s3(tmp_path: Path) -> AsyncIterator[S3Service]:
    service = await open_service(tmp_path / "data")
    yield service
    await close_service(service)


async def test_put_and_get_a_file(s3: S3Service, tmp_path: Path) -> None:
    source = tmp_path / "artifact.zip"
    data = os.urandom(3 * 1024 * 1024 + 17)
    source.write_bytes(data)
    await ensure_bucket(s3, "111111111111", "eu-west-1", "artifacts")
    await ensure_bucket(s3, "111111111111", "eu-west-1", "artifacts")  # idempotent
    bucket = s3.bucket_row("artifacts")
    assert bucket is not None and bucket["region"] == "eu-west-1"
    etag = await put_file(
        s3, "111111111111", "eu-west-1", "artifacts", "p/src.zip", source, "application/zip"
    )
    record = s3.object_record("artifacts", "p/src.zip")
    assert record is not None and record.size == len(data)
    assert etag.strip('"') == record.etag
    assert record.attributes.content_type == "application/zip"
    dest = tmp_path / "out.zip"
    await get_file(s3, "111111111111", "eu-west-1", "artifacts", "p/src.zip", dest)
    assert dest.read_bytes() == data


async def test_missing_object_is_s3s_error(s3: S3Service, tmp_path: Path) -> None:
    await ensure_bucket(s3, "123456789012", "us-east-1", "empty")
    with pytest.raises(AwsError) as caught:
        await get_file(s3, "123456789012", "us-east-1", "empty", "nope", tmp_path / "x")
    assert caught.value.code == "NoSuchKey"
    assert not (tmp_path / "x").exists()
