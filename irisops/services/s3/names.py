"""Bucket names, object keys, owners and ARNs as S3 defines them."""

from __future__ import annotations

import hashlib
import ipaddress
import re

from irisops.services.s3.errors import InvalidBucketName, KeyTooLong

MAX_KEY_BYTES = 1024

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general purpose bucket name, or None if it is."""
    if not _BUCKET.fullmatch(name):
        return "3-63 lowercase letters, digits, dots and hyphens, starting and ending alnum"
    if ".." in name or ".-" in name or "-." in name:
        return "adjacent periods, or a period next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return "formatted as an IP address"
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return "reserved prefix or suffix"
    return None


def check_bucket_name(name: str) -> None:
    if bucket_name_problem(name) is not None:
        raise InvalidBucketName(name)


def check_key(key: str) -> None:
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise KeyTooLong(size)


def canonical_user_id(account: str) -> str:
    """The 64-hex-digit canonical user id S3 shows as an owner, stable per account."""
    return hashlib.sha256(f"irisops-canonical-user:{account}".encode()).hexdigest()


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"
