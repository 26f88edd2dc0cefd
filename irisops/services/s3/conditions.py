"""Conditional requests (If-Match and friends) and byte ranges, as S3 evaluates them.

S3 follows RFC 7232's precedence: If-Match decides over If-Unmodified-Since, and
If-None-Match over If-Modified-Since. A failed If-Match/If-Unmodified-Since is 412; a
failed If-None-Match/If-Modified-Since is 304 on GET/HEAD. Dates compare at the
one-second resolution of HTTP dates. The copy-source variants answer 412 for every
failure.
"""

from __future__ import annotations

import re
from datetime import datetime

from irisops.services.s3.errors import InvalidRange, PreconditionFailed
from irisops.services.s3.records import unquoted

NOT_MODIFIED = 304

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def etag_matches(condition: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match list names ``etag`` (or is ``*``)."""
    for candidate in condition.split(","):
        candidate = candidate.strip()
        if candidate == "*" or unquoted(candidate) == etag:
            return True
    return False


def _seconds(value: datetime) -> int:
    return int(value.timestamp())


def evaluate(
    etag: str,
    modified: int,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: datetime | None = None,
    if_unmodified_since: datetime | None = None,
    copy_source: bool = False,
) -> int | None:
    """None to go on, 304 for Not Modified; raises PreconditionFailed (412)."""
    prefix = "x-amz-copy-source-" if copy_source else ""
    if if_match is not None:
        if not etag_matches(if_match, etag):
            raise PreconditionFailed(f"{prefix}If-Match")
    elif if_unmodified_since is not None and modified > _seconds(if_unmodified_since):
        raise PreconditionFailed(f"{prefix}If-Unmodified-Since")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            if copy_source:
                raise PreconditionFailed(f"{prefix}If-None-Match")
            return NOT_MODIFIED
    elif if_modified_since is not None and modified <= _seconds(if_modified_since):
        if copy_source:
            raise PreconditionFailed(f"{prefix}If-Modified-Since")
        return NOT_MODIFIED
    return None


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte a Range header selects, or None for the whole
    object. S3 ignores a Range it cannot parse (or a multi-range); one that starts past
    the end is InvalidRange (416)."""
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first_text, last_text = found.groups()
    if not first_text and not last_text:
        return None
    if not first_text:
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise InvalidRange(header, size)
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise InvalidRange(header, size)
    return first, min(last, size - 1)
