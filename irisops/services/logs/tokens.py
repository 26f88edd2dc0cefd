"""Paging tokens.

GetLogEvents tokens are ``f/<56 digits>`` and ``b/<56 digits>``. Each names a
*boundary* in the stream: the gap just after the event ``(timestamp, id)``. A forward
token selects the events after its boundary, a backward token the events before it;
the digits are the stream id (16), the timestamp (20) and the event id (20), so a token
is only valid for the stream that issued it.

The other list operations use opaque cursors: URL-safe base64 of a small JSON array,
tagged with the operation so a token from one cannot be replayed on another.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from irisops.services.logs.errors import invalid_token

Direction = Literal["f", "b"]

_STREAM_TOKEN = re.compile(r"([fb])/(\d{16})(\d{20})(\d{20})")


@dataclass(frozen=True, order=True)
class Boundary:
    """The gap just after the event ``(timestamp, event_id)`` in stream order."""

    timestamp: int
    event_id: int

    @classmethod
    def before(cls, timestamp: int, event_id: int) -> Boundary:
        """The gap just before the event ``(timestamp, event_id)``.

        Event ids are unique integers, so no event sorts between ``(t, id - 1)`` and
        ``(t, id)``.
        """
        return cls(timestamp, event_id - 1)


@dataclass(frozen=True)
class StreamToken:
    direction: Direction
    boundary: Boundary


def encode_stream_token(direction: Direction, stream_id: int, boundary: Boundary) -> str:
    return f"{direction}/{stream_id:016d}{boundary.timestamp:020d}{boundary.event_id:020d}"


def decode_stream_token(token: str, stream_id: int) -> StreamToken:
    match = _STREAM_TOKEN.fullmatch(token)
    if match is None or int(match.group(2)) != stream_id:
        raise invalid_token()
    direction: Direction = "f" if match.group(1) == "f" else "b"
    return StreamToken(direction, Boundary(int(match.group(3)), int(match.group(4))))


def encode_cursor(kind: str, *values: Any) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, kind: str, arity: int) -> list[Any] | None:
    """The values of a cursor of ``kind``, or None when the token is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != arity + 1 or values[0] != kind:
        return None
    return values[1:]
