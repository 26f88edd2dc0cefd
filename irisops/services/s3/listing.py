"""Listing keys as S3 does: prefix, delimiter roll-up into common prefixes, max-keys,
markers and continuation tokens, in UTF-8 byte order.

The walk reads rows in key order through a ``fetch`` callback (an indexed range read) and
skips a whole common prefix at once: after ``photos/`` is rolled up, the next read starts
past every key under it, so a listing with a delimiter costs about one read per returned
entry however many keys sit under each prefix.

Python's code-point order of ``str`` is the byte order of their UTF-8 encodings, and
SQLite's BINARY collation compares those bytes, so both sides agree on the order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from irisops.services.s3.errors import InvalidArgument

MAX_CODE_POINT = 0x10FFFF
SURROGATES = range(0xD800, 0xE000)
DEFAULT_MAX_KEYS = 1000

#: fetch(lower, inclusive, upper, limit) -> rows with lower <(=) key < upper, in key order.
Fetch = Callable[[str, bool, str | None, int], Sequence[Any]]


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix``.

    None when there is none (empty prefix, or one made only of U+10FFFF).
    """
    chars = list(prefix)
    while chars and ord(chars[-1]) == MAX_CODE_POINT:
        chars.pop()
    if not chars:
        return None
    code = ord(chars[-1]) + 1
    if code in SURROGATES:
        code = SURROGATES.stop
    chars[-1] = chr(code)
    return "".join(chars)


def common_prefix(key: str, prefix: str, delimiter: str | None) -> str | None:
    """The common prefix ``key`` rolls up into, or None if it is listed as itself."""
    if not delimiter:
        return None
    found = key.find(delimiter, len(prefix))
    return None if found < 0 else key[: found + len(delimiter)]


@dataclass
class Page:
    rows: list[Any] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    #: The last key or common prefix returned: where the next page starts.
    last: str | None = None


def list_page(
    fetch: Fetch,
    *,
    prefix: str = "",
    delimiter: str | None = None,
    marker: str | None = None,
    max_keys: int = DEFAULT_MAX_KEYS,
    key_of: Callable[[Any], str] = lambda row: row["key"],
) -> Page:
    """One page of a listing: keys and common prefixes after ``marker``.

    A marker that is itself a common prefix (what a previous page ended on) resumes past
    every key under it, so a common prefix is never returned twice.
    """
    page = Page()
    if max_keys <= 0:
        return page
    upper = prefix_upper_bound(prefix) if prefix else None
    lower, inclusive = prefix, True
    if marker is not None and marker >= prefix:
        marker_prefix = common_prefix(marker, prefix, delimiter)
        if marker_prefix is not None and marker_prefix == marker:
            skip_to = prefix_upper_bound(marker)
            if skip_to is None:
                return page
            lower, inclusive = skip_to, True
        else:
            lower, inclusive = marker, False
    batch = min(max_keys, DEFAULT_MAX_KEYS) + 1
    count = 0
    open_prefix: str | None = None
    while True:
        if upper is not None and lower >= upper:
            return page
        rows = fetch(lower, inclusive, upper, batch)
        for row in rows:
            key = key_of(row)
            if open_prefix is not None and key.startswith(open_prefix):
                continue
            if count == max_keys:
                page.truncated = True
                return page
            rolled = common_prefix(key, prefix, delimiter)
            if rolled is None:
                page.rows.append(row)
                page.last = key
            else:
                page.prefixes.append(rolled)
                page.last = open_prefix = rolled
            count += 1
        if len(rows) < batch:
            return page
        last_key = key_of(rows[-1])
        if open_prefix is not None and last_key.startswith(open_prefix):
            skip_to = prefix_upper_bound(open_prefix)
            if skip_to is None:
                return page
            lower, inclusive = skip_to, True
        else:
            lower, inclusive = last_key, False


def encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode("utf-8", "surrogatepass")).decode("ascii")


def decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise InvalidArgument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from exc


def url_encode(value: str) -> str:
    """``encoding-type=url``: what S3 applies to keys and prefixes in listings."""
    return quote_plus(value, safe="/")


def check_max(value: int | None, name: str, default: int = DEFAULT_MAX_KEYS) -> int:
    if value is None:
        return default
    if value < 0:
        raise InvalidArgument(
            f"Argument {name} must be an integer between 0 and 2147483647", name, value
        )
    return min(value, default)
