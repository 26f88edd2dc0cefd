"""Tag sets of buckets and objects: S3's limits and its ``x-amz-tagging`` header form."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from irisops.core.errors import AwsError
from irisops.services.s3.errors import InvalidArgument, InvalidTag

MAX_OBJECT_TAGS = 10
MAX_BUCKET_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256

Tags = list[tuple[str, str]]


def from_tag_set(tag_set: list[dict[str, Any]] | None) -> Tags:
    return [(str(tag.get("Key", "")), str(tag.get("Value", ""))) for tag in tag_set or []]


def to_tag_set(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


def from_header(value: str) -> Tags:
    """``x-amz-tagging: k1=v1&k2=v2`` (URL query encoding)."""
    try:
        return parse_qsl(value, keep_blank_values=True, strict_parsing=bool(value))
    except ValueError as exc:
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates.",
            "x-amz-tagging",
            value,
        ) from exc


def check_object_tags(tags: Tags) -> Tags:
    if len(tags) > MAX_OBJECT_TAGS:
        raise AwsError("Object tags cannot be greater than 10", code="BadRequest", status=400)
    return _check(tags)


def check_bucket_tags(tags: Tags) -> Tags:
    if len(tags) > MAX_BUCKET_TAGS:
        raise InvalidTag("Bucket tag count cannot be greater than 50")
    return _check(tags)


def _check(tags: Tags) -> Tags:
    seen: set[str] = set()
    for key, value in tags:
        if key in seen:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        seen.add(key)
        if not key or len(key) > MAX_KEY:
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > MAX_VALUE:
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key)
        if key.lower().startswith("aws:"):
            raise InvalidTag("System tags cannot be added/updated by requester")
    return tags
