"""S3 listings through real boto3: ListObjectsV2 and ListObjects with prefixes,
delimiters, pagination, markers, URL encoding and UTF-8 byte order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore import handlers
from botocore.exceptions import ClientError

Client = Callable[..., Any]
BUCKET = "listing"
KEYS = [
    "a.txt",
    "b+c d.txt",
    "logs/2024/01/x.log",
    "logs/2024/02/y.log",
    "logs/readme",
    "photos/cat.jpg",
    "photos/dog.jpg",
    "z%25literal",
    "\u00e9t\u00e9/plage.jpg",
    "\U0001f600.txt",
]


@pytest.fixture
def s3(client: Client) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for key in KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    return s3


def utf8_sorted(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_v2_lists_everything_in_utf8_byte_order(s3: Any) -> None:
    out = s3.list_objects_v2(Bucket=BUCKET)
    assert [o["Key"] for o in out["Contents"]] == utf8_sorted(KEYS)
    assert out["KeyCount"] == len(KEYS) and out["IsTruncated"] is False
    assert out["Name"] == BUCKET and out["MaxKeys"] == 1000
    first = out["Contents"][0]
    assert first["Size"] == len(first["Key"].encode()) and first["StorageClass"] == "STANDARD"
    assert first["ETag"].startswith('"') and "Owner" not in first
    assert "Owner" in s3.list_objects_v2(Bucket=BUCKET, FetchOwner=True)["Contents"][0]


def test_v2_delimiter_and_prefix(s3: Any) -> None:
    top = s3.list_objects_v2(Bucket=BUCKET, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["logs/", "photos/", "\u00e9t\u00e9/"]
    assert [o["Key"] for o in top["Contents"]] == [
        "a.txt",
        "b+c d.txt",
        "z%25literal",
        "\U0001f600.txt",
    ]
    assert top["KeyCount"] == 7 and top["Delimiter"] == "/"
    logs = s3.list_objects_v2(Bucket=BUCKET, Prefix="logs/", Delimiter="/")
    assert [p["Prefix"] for p in logs["CommonPrefixes"]] == ["logs/2024/"]
    assert [o["Key"] for o in logs["Contents"]] == ["logs/readme"]
    assert logs["Prefix"] == "logs/"
    none = s3.list_objects_v2(Bucket=BUCKET, Prefix="nothing-here")
    assert none["KeyCount"] == 0 and "Contents" not in none


def test_v2_pagination_with_continuation_tokens(s3: Any) -> None:
    seen: list[str] = []
    prefixes: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": BUCKET, "MaxKeys": 2, "Delimiter": "/"}
    pages = 0
    while True:
        out = s3.list_objects_v2(**kwargs)
        pages += 1
        assert out["KeyCount"] <= 2
        seen += [o["Key"] for o in out.get("Contents", [])]
        prefixes += [p["Prefix"] for p in out.get("CommonPrefixes", [])]
        if not out["IsTruncated"]:
            break
        kwargs["ContinuationToken"] = out["NextContinuationToken"]
    assert pages == 4
    assert prefixes == ["logs/", "photos/", "\u00e9t\u00e9/"]
    assert seen == ["a.txt", "b+c d.txt", "z%25literal", "\U0001f600.txt"]
    paginator = s3.get_paginator("list_objects_v2")
    keys = [
        o["Key"]
        for page in paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 3})
        for o in page["Contents"]
    ]
    assert keys == utf8_sorted(KEYS)


def test_v2_start_after(s3: Any) -> None:
    out = s3.list_objects_v2(Bucket=BUCKET, StartAfter="photos/cat.jpg")
    assert [o["Key"] for o in out["Contents"]] == utf8_sorted(KEYS)[6:]
    assert out["StartAfter"] == "photos/cat.jpg"


def test_v2_max_keys_zero_and_negative(s3: Any) -> None:
    out = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=0)
    assert out["KeyCount"] == 0 and "Contents" not in out
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket=BUCKET, MaxKeys=-1)
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"


def test_v2_bad_continuation_token(s3: Any) -> None:
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket=BUCKET, ContinuationToken="%%%garbage")
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"


def test_encoding_type_url_is_applied_on_the_wire(client: Client, s3: Any) -> None:
    raw = client("s3")
    raw.meta.events.unregister(
        "before-parameter-build.s3.ListObjectsV2", handlers.set_list_objects_encoding_type_url
    )
    encoded = raw.list_objects_v2(Bucket=BUCKET, Prefix="b", EncodingType="url")
    assert encoded["EncodingType"] == "url"
    assert [o["Key"] for o in encoded["Contents"]] == ["b%2Bc+d.txt"]
    plain = raw.list_objects_v2(Bucket=BUCKET, Prefix="b")
    assert "EncodingType" not in plain
    assert [o["Key"] for o in plain["Contents"]] == ["b+c d.txt"]


def test_v1_markers(s3: Any) -> None:
    out = s3.list_objects(Bucket=BUCKET, MaxKeys=3)
    assert [o["Key"] for o in out["Contents"]] == utf8_sorted(KEYS)[:3]
    assert out["IsTruncated"] is True and "NextMarker" not in out
    assert "Owner" in out["Contents"][0] and out["Marker"] == ""
    rest = s3.list_objects(Bucket=BUCKET, Marker=out["Contents"][-1]["Key"])
    assert [o["Key"] for o in rest["Contents"]] == utf8_sorted(KEYS)[3:]
    paged = s3.list_objects(Bucket=BUCKET, Delimiter="/", MaxKeys=3)
    assert paged["IsTruncated"] is True
    assert paged["NextMarker"] == "logs/"
    after = s3.list_objects(Bucket=BUCKET, Delimiter="/", Marker=paged["NextMarker"])
    assert [p["Prefix"] for p in after["CommonPrefixes"]] == ["photos/", "\u00e9t\u00e9/"]
    paginator = s3.get_paginator("list_objects")
    keys = [
        o["Key"]
        for page in paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 4})
        for o in page["Contents"]
    ]
    assert keys == utf8_sorted(KEYS)


def test_listing_a_missing_bucket(client: Client) -> None:
    with pytest.raises(ClientError) as caught:
        client("s3").list_objects_v2(Bucket="not-a-bucket")
    assert caught.value.response["Error"]["Code"] == "NoSuchBucket"
