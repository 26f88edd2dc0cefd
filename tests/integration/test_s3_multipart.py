"""S3 multipart uploads through real boto3: the low-level calls and their errors, and
boto3's managed transfers (upload_file/download_file) of a 100 MB file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

Client = Callable[..., Any]
BUCKET = "multipart"
MIB = 1024 * 1024


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def s3(client: Client) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def upload_parts(s3: Any, key: str, parts: list[bytes], **create: Any) -> tuple[str, list]:
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key, **create)["UploadId"]
    done = []
    for number, data in enumerate(parts, start=1):
        out = s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        done.append({"PartNumber": number, "ETag": out["ETag"]})
    return upload_id, done


def test_multipart_upload_and_its_etag(s3: Any) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    upload_id, done = upload_parts(
        s3, "big/object.bin", parts, ContentType="application/x-thing", Metadata={"m": "1"}
    )
    listed = s3.list_parts(Bucket=BUCKET, Key="big/object.bin", UploadId=upload_id)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [p["Size"] for p in listed["Parts"]] == [5 * MIB, 5 * MIB, 4]
    uploads = s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big/object.bin", upload_id)]
    out = s3.complete_multipart_upload(
        Bucket=BUCKET, Key="big/object.bin", UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    binary = b"".join(hashlib.md5(p).digest() for p in parts)
    expected = f'"{hashlib.md5(binary).hexdigest()}-3"'
    assert out["ETag"] == expected
    assert out["Bucket"] == BUCKET and out["Key"] == "big/object.bin"
    head = s3.head_object(Bucket=BUCKET, Key="big/object.bin")
    assert head["ETag"] == expected and head["ContentLength"] == 10 * MIB + 4
    assert head["ContentType"] == "application/x-thing" and head["Metadata"] == {"m": "1"}
    body = s3.get_object(Bucket=BUCKET, Key="big/object.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(b"".join(parts)).digest()
    second = s3.get_object(Bucket=BUCKET, Key="big/object.bin", PartNumber=2)
    assert second["PartsCount"] == 3 and second["ContentLength"] == 5 * MIB
    assert second["Body"].read() == parts[1]
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    with pytest.raises(ClientError) as caught:
        s3.list_parts(Bucket=BUCKET, Key="big/object.bin", UploadId=upload_id)
    assert error(caught) == ("NoSuchUpload", 404)
    assert caught.value.response["Error"]["UploadId"] == upload_id


def test_completion_validates_parts(s3: Any) -> None:
    upload_id, done = upload_parts(s3, "k", [b"small", b"parts"])
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId=upload_id, MultipartUpload={"Parts": done[::-1]}
        )
    assert error(caught) == ("InvalidPartOrder", 400)
    wrong = [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId=upload_id, MultipartUpload={"Parts": wrong}
        )
    assert error(caught) == ("InvalidPart", 400)
    missing = [{"PartNumber": 7, "ETag": done[0]["ETag"]}]
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId=upload_id, MultipartUpload={"Parts": missing}
        )
    assert error(caught) == ("InvalidPart", 400)
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId=upload_id, MultipartUpload={"Parts": done}
        )
    assert error(caught) == ("EntityTooSmall", 400)
    assert caught.value.response["Error"]["ProposedSize"] == "5"
    single = s3.complete_multipart_upload(
        Bucket=BUCKET, Key="k", UploadId=upload_id, MultipartUpload={"Parts": done[1:]}
    )
    assert single["ETag"].endswith('-1"')
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"parts"


def test_abort_and_unknown_uploads(s3: Any) -> None:
    upload_id, _ = upload_parts(s3, "aborted", [b"x"])
    s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted", UploadId=upload_id)
    with pytest.raises(ClientError) as caught:
        s3.upload_part(Bucket=BUCKET, Key="aborted", UploadId=upload_id, PartNumber=1, Body=b"y")
    assert error(caught) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as caught:
        s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted", UploadId="not-an-upload")
    assert error(caught) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as caught:
        s3.create_multipart_upload(Bucket="no-such-bucket", Key="k")
    assert error(caught) == ("NoSuchBucket", 404)


def test_part_numbers_and_replacement(s3: Any) -> None:
    upload_id, _ = upload_parts(s3, "re", [b"first"])
    with pytest.raises(ClientError) as caught:
        s3.upload_part(Bucket=BUCKET, Key="re", UploadId=upload_id, PartNumber=10001, Body=b"x")
    assert error(caught)[1] == 400
    again = s3.upload_part(Bucket=BUCKET, Key="re", UploadId=upload_id, PartNumber=1, Body=b"new")
    parts = s3.list_parts(Bucket=BUCKET, Key="re", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, again["ETag"], 3)]


def test_list_parts_pages(s3: Any) -> None:
    upload_id, _ = upload_parts(s3, "paged", [b"1", b"2", b"3"])
    first = s3.list_parts(Bucket=BUCKET, Key="paged", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["IsTruncated"] is True and first["NextPartNumberMarker"] == 2
    rest = s3.list_parts(
        Bucket=BUCKET,
        Key="paged",
        UploadId=upload_id,
        PartNumberMarker=first["NextPartNumberMarker"],
    )
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and rest["IsTruncated"] is False


def test_list_multipart_uploads_with_delimiter_and_markers(s3: Any) -> None:
    ids = {key: upload_parts(s3, key, [])[0] for key in ("a/1", "a/2", "b", "c")}
    top = s3.list_multipart_uploads(Bucket=BUCKET, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["a/"]
    assert [u["Key"] for u in top["Uploads"]] == ["b", "c"]
    page = s3.list_multipart_uploads(Bucket=BUCKET, MaxUploads=2)
    assert [u["Key"] for u in page["Uploads"]] == ["a/1", "a/2"] and page["IsTruncated"] is True
    rest = s3.list_multipart_uploads(
        Bucket=BUCKET, KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"]
    )
    assert [u["UploadId"] for u in rest["Uploads"]] == [ids["b"], ids["c"]]


def test_upload_part_copy(s3: Any) -> None:
    source = os.urandom(6 * MIB)
    s3.put_object(Bucket=BUCKET, Key="source", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key="assembled")["UploadId"]
    first = s3.upload_part_copy(
        Bucket=BUCKET,
        Key="assembled",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": BUCKET, "Key": "source"},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )
    second = s3.upload_part_copy(
        Bucket=BUCKET,
        Key="assembled",
        UploadId=upload_id,
        PartNumber=2,
        CopySource={"Bucket": BUCKET, "Key": "source"},
    )
    assert first["CopyPartResult"]["ETag"] == f'"{hashlib.md5(source[: 5 * MIB]).hexdigest()}"'
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="assembled",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]},
            ]
        },
    )
    body = s3.get_object(Bucket=BUCKET, Key="assembled")["Body"].read()
    assert body == source[: 5 * MIB] + source


def test_upload_file_and_download_file_100_mb(s3: Any, tmp_path: Path) -> None:
    original = tmp_path / "original.bin"
    with open(original, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(MIB))
    config = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB)
    s3.upload_file(str(original), BUCKET, "models/weights.bin", Config=config)
    head = s3.head_object(Bucket=BUCKET, Key="models/weights.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == 100 * MIB
    assert head["ETag"].endswith('-13"')
    assert head["ChecksumCRC32"].endswith("-13") and head["ChecksumType"] == "COMPOSITE"
    copy = tmp_path / "downloaded.bin"
    s3.download_file(BUCKET, "models/weights.bin", str(copy), Config=config)
    assert sha256_file(copy) == sha256_file(original)
