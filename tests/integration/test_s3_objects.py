"""S3 objects through real boto3: put/get/head/delete/copy, headers and metadata,
digests and checksums, ranges, conditional requests, tagging, presigned URLs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

Client = Callable[..., Any]
BUCKET = "objects"
WEIRD_KEYS = [
    "../../etc/passwd",
    "a//b",
    "dir/",
    " leading space",
    "percent%20literal",
    "plus+sign",
    "unicod\u00e9/\u043a\u043b\u044e\u0447",
    "question?mark",
    "hash#tag&amp=1",
    "tilde~star*",
]


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def s3(client: Client) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


def test_put_get_round_trip_with_headers_and_metadata(s3: Any) -> None:
    data = b"hello irisops" * 100
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    put = s3.put_object(
        Bucket=BUCKET,
        Key="doc.txt",
        Body=data,
        ContentType="text/plain; charset=utf-8",
        CacheControl="max-age=60",
        ContentDisposition='attachment; filename="doc.txt"',
        ContentEncoding="identity",
        ContentLanguage="en",
        Expires=expires,
        WebsiteRedirectLocation="/other",
        Metadata={"Owner": "Data Team", "run-id": "42"},
    )
    etag = f'"{hashlib.md5(data).hexdigest()}"'
    assert put["ETag"] == etag
    assert put["ServerSideEncryption"] == "AES256"
    got = s3.get_object(Bucket=BUCKET, Key="doc.txt")
    assert got["Body"].read() == data
    assert got["ETag"] == etag and got["ContentLength"] == len(data)
    assert got["ContentType"] == "text/plain; charset=utf-8"
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="doc.txt"'
    assert got["ContentEncoding"] == "identity"
    assert got["ContentLanguage"] == "en"
    assert got["Expires"] == expires
    assert got["WebsiteRedirectLocation"] == "/other"
    assert got["Metadata"] == {"owner": "Data Team", "run-id": "42"}
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=BUCKET, Key="doc.txt")
    assert head["ContentLength"] == len(data) and head["ETag"] == etag
    assert head["LastModified"] == got["LastModified"]
    assert head["Metadata"] == got["Metadata"]


def test_default_content_type_and_empty_object(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    got = s3.get_object(Bucket=BUCKET, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


@pytest.mark.parametrize("key", WEIRD_KEYS)
def test_keys_are_only_keys(s3: Any, key: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == key.encode()
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [o["Key"] for o in listed] == [key]
    s3.copy_object(Bucket=BUCKET, Key=key + ".copy", CopySource={"Bucket": BUCKET, "Key": key})
    assert s3.get_object(Bucket=BUCKET, Key=key + ".copy")["Body"].read() == key.encode()
    s3.delete_object(Bucket=BUCKET, Key=key)
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=BUCKET, Key=key)
    assert error(caught) == ("404", 404)


def test_flexible_checksums_are_verified_and_returned(s3: Any) -> None:
    data = b"checksummed bytes"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    put = s3.put_object(Bucket=BUCKET, Key="crc", Body=data)
    assert put["ChecksumCRC32"] == crc
    got = s3.get_object(Bucket=BUCKET, Key="crc", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc and got["Body"].read() == data
    sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
    put = s3.put_object(Bucket=BUCKET, Key="sha", Body=data, ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == sha
    head = s3.head_object(Bucket=BUCKET, Key="sha", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == sha and head["ChecksumType"] == "FULL_OBJECT"
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="bad", Body=data, ChecksumCRC32="AAAAAA==")
    assert error(caught) == ("BadDigest", 400)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="bad", Body=data, ChecksumSHA256="bm90IGJhc2U2NA==")
    assert error(caught) == ("InvalidRequest", 400)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=BUCKET, Key="bad")


def test_content_md5(s3: Any) -> None:
    data = b"md5 checked"
    good = base64.b64encode(hashlib.md5(data).digest()).decode()
    s3.put_object(Bucket=BUCKET, Key="md5", Body=data, ContentMD5=good)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="md5", Body=data, ContentMD5=wrong)
    assert error(caught) == ("BadDigest", 400)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="md5", Body=data, ContentMD5="bm9wZQ==")
    assert error(caught) == ("InvalidDigest", 400)
    assert s3.get_object(Bucket=BUCKET, Key="md5")["Body"].read() == data


def test_missing_things(s3: Any) -> None:
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="nope/key")
    assert error(caught) == ("NoSuchKey", 404)
    assert caught.value.response["Error"]["Key"] == "nope/key"
    assert caught.value.response["Error"]["Message"] == "The specified key does not exist."
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="no-such-bucket", Key="k")
    assert error(caught) == ("NoSuchBucket", 404)
    assert caught.value.response["Error"]["BucketName"] == "no-such-bucket"
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=BUCKET, Key="nope")
    assert error(caught) == ("404", 404)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    assert error(caught) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="k" * 1025, Body=b"x")
    assert error(caught) == ("KeyTooLongError", 400)


def test_ranged_gets(s3: Any) -> None:
    data = bytes(range(256)) * 4
    s3.put_object(Bucket=BUCKET, Key="ranged", Body=data)
    got = s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=10-19")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == "bytes 10-19/1024" and got["ContentLength"] == 10
    assert got["Body"].read() == data[10:20]
    assert "ChecksumCRC32" not in got
    assert (
        s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=-24")["Body"].read() == (data[-24:])
    )
    assert (
        s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=1000-")["Body"].read()
        == (data[1000:])
    )
    assert s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=1000-5000")["ContentRange"] == (
        "bytes 1000-1023/1024"
    )
    whole = s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=9-3")
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="ranged", Range="bytes=1024-")
    assert error(caught) == ("InvalidRange", 416)
    assert caught.value.response["Error"]["ActualObjectSize"] == "1024"
    assert caught.value.response["Error"]["RangeRequested"] == "bytes=1024-"
    head = s3.head_object(Bucket=BUCKET, Key="ranged", Range="bytes=0-0")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206 and head["ContentLength"] == 1


def test_conditional_gets(s3: Any) -> None:
    etag = s3.put_object(Bucket=BUCKET, Key="cond", Body=b"v1")["ETag"]
    modified = s3.head_object(Bucket=BUCKET, Key="cond")["LastModified"]
    assert s3.get_object(Bucket=BUCKET, Key="cond", IfMatch=etag)["Body"].read() == b"v1"
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="cond", IfMatch='"0000"')
    assert error(caught) == ("PreconditionFailed", 412)
    assert caught.value.response["Error"]["Condition"] == "If-Match"
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="cond", IfNoneMatch=etag)
    assert error(caught) == ("304", 304)
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=BUCKET, Key="cond", IfModifiedSince=modified)
    assert error(caught) == ("304", 304)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="cond", IfUnmodifiedSince=modified - timedelta(seconds=5))
    assert error(caught) == ("PreconditionFailed", 412)
    got = s3.get_object(Bucket=BUCKET, Key="cond", IfModifiedSince=modified - timedelta(days=1))
    assert got["Body"].read() == b"v1"


def test_conditional_writes(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="once", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="once", Body=b"second", IfNoneMatch="*")
    assert error(caught) == ("PreconditionFailed", 412)
    etag = s3.head_object(Bucket=BUCKET, Key="once")["ETag"]
    s3.put_object(Bucket=BUCKET, Key="once", Body=b"third", IfMatch=etag)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="once", Body=b"fourth", IfMatch=etag)
    assert error(caught) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=BUCKET, Key="once")["Body"].read() == b"third"


def test_delete_object_is_idempotent(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="gone", Body=b"x")
    first = s3.delete_object(Bucket=BUCKET, Key="gone")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 204
    second = s3.delete_object(Bucket=BUCKET, Key="gone")
    assert second["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket="no-such-bucket", Key="gone")
    assert error(caught) == ("NoSuchBucket", 404)


def test_delete_objects(s3: Any) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    out = s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}, {"Key": "missing"}, {"Key": "b"}]}
    )
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "b", "missing"]
    assert "Errors" not in out
    quiet = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_copy_object_directives(s3: Any) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="src",
        Body=b"copied",
        ContentType="text/csv",
        Metadata={"a": "1"},
        Tagging="t=1",
    )
    s3.create_bucket(Bucket="other-bucket")
    out = s3.copy_object(Bucket="other-bucket", Key="same", CopySource=f"{BUCKET}/src")
    assert out["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"copied").hexdigest()}"'
    same = s3.head_object(Bucket="other-bucket", Key="same")
    assert (same["ContentType"], same["Metadata"]) == ("text/csv", {"a": "1"})
    assert s3.get_object_tagging(Bucket="other-bucket", Key="same")["TagSet"] == [
        {"Key": "t", "Value": "1"}
    ]
    s3.copy_object(
        Bucket=BUCKET,
        Key="src",
        CopySource={"Bucket": BUCKET, "Key": "src"},
        MetadataDirective="REPLACE",
        ContentType="application/json",
        Metadata={"b": "2"},
    )
    replaced = s3.head_object(Bucket=BUCKET, Key="src")
    assert (replaced["ContentType"], replaced["Metadata"]) == ("application/json", {"b": "2"})
    assert s3.get_object(Bucket=BUCKET, Key="src")["Body"].read() == b"copied"
    with pytest.raises(ClientError) as caught:
        s3.copy_object(Bucket=BUCKET, Key="src", CopySource={"Bucket": BUCKET, "Key": "src"})
    assert error(caught) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as caught:
        s3.copy_object(Bucket=BUCKET, Key="dst", CopySource={"Bucket": BUCKET, "Key": "nope"})
    assert error(caught) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as caught:
        s3.copy_object(
            Bucket=BUCKET,
            Key="dst",
            CopySource={"Bucket": BUCKET, "Key": "src"},
            CopySourceIfMatch='"0000"',
        )
    assert error(caught) == ("PreconditionFailed", 412)


def test_object_tagging(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="tagged", Body=b"x", Tagging="team=ml&empty=")
    assert s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"] == [
        {"Key": "team", "Value": "ml"},
        {"Key": "empty", "Value": ""},
    ]
    assert s3.get_object(Bucket=BUCKET, Key="tagged")["TagCount"] == 2
    s3.put_object_tagging(
        Bucket=BUCKET, Key="tagged", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    assert s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"] == [
        {"Key": "k", "Value": "v"}
    ]
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    with pytest.raises(ClientError) as caught:
        s3.put_object_tagging(Bucket=BUCKET, Key="tagged", Tagging={"TagSet": too_many})
    assert error(caught) == ("BadRequest", 400)
    s3.delete_object_tagging(Bucket=BUCKET, Key="tagged")
    assert s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"] == []
    assert "TagCount" not in s3.get_object(Bucket=BUCKET, Key="tagged")
    with pytest.raises(ClientError) as caught:
        s3.get_object_tagging(Bucket=BUCKET, Key="untagged-missing")
    assert error(caught) == ("NoSuchKey", 404)


def test_presigned_get(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="shared/file.bin", Body=b"presigned bytes")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "shared/file.bin"}, ExpiresIn=300
    )
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        assert response.read() == b"presigned bytes"
    missing = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "shared/none"}, ExpiresIn=300
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(missing, timeout=30)
    assert caught.value.code == 404
    assert b"<Code>NoSuchKey</Code>" in caught.value.read()


def test_response_header_overrides(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="override", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket=BUCKET,
        Key="override",
        ResponseContentType="application/x-custom",
        ResponseContentDisposition="inline",
    )
    assert got["ContentType"] == "application/x-custom"
    assert got["ContentDisposition"] == "inline"


def test_enum_values_are_checked_by_s3_not_the_front_end(s3: Any) -> None:
    s3.create_bucket(Bucket="enums")
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket="enums", Key="k", Body=b"x", StorageClass="COLD-ISH")
    assert error(caught) == ("InvalidStorageClass", 400)
    assert caught.value.response["Error"]["StorageClassRequested"] == "COLD-ISH"
    s3.put_object(Bucket="enums", Key="k", Body=b"x", StorageClass="STANDARD_IA")
    with pytest.raises(ClientError) as caught:
        s3.copy_object(Bucket="enums", Key="k2", CopySource="enums/k", MetadataDirective="MERGE")
    assert error(caught) == ("InvalidArgument", 400)
    assert caught.value.response["Error"]["ArgumentName"] == "x-amz-metadata-directive"
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket="enums", EncodingType="base64")
    assert error(caught) == ("InvalidArgument", 400)
    # An unknown request-payer value is ignored, as S3 ignores it.
    got = s3.get_object(Bucket="enums", Key="k", RequestPayer="someone")
    assert got["Body"].read() == b"x" and got["StorageClass"] == "STANDARD_IA"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="enums")["Contents"]] == ["k"]


def test_gzip_encoded_body_is_stored_as_sent(s3: Any) -> None:
    compressed = gzip.compress(b"a,b,c\n" * 1000)
    s3.put_object(Bucket=BUCKET, Key="data.csv.gz", Body=compressed, ContentEncoding="gzip")
    got = s3.get_object(Bucket=BUCKET, Key="data.csv.gz")
    assert got["ContentEncoding"] == "gzip"
    assert got["ContentLength"] == len(compressed)
    assert got["Body"].read() == compressed
