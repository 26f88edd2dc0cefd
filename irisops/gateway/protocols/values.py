"""Scalar values on the wire: timestamps in their three formats, blobs, booleans.

Shared by every protocol codec. Parsing raises :class:`ValueError` on bad input; the
codec turns that into the protocol's serialization error.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

ISO8601 = "iso8601"
EPOCH = "unixTimestamp"
RFC822 = "rfc822"


def parse_timestamp(value: Any) -> datetime:
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime | float | int, fmt: str) -> str | float:
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if fmt == EPOCH:
        return round(value.timestamp(), 3)
    if fmt == RFC822:
        return format_datetime(value, usegmt=True)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def timestamp_format(shape: Any, default: str) -> str:
    return (
        shape.serialization.get("timestampFormat")
        or getattr(shape, "metadata", {}).get("timestampFormat")
        or default
    )


def decode_blob(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc


def encode_blob(value: bytes | str) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode("ascii")


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_scalar(shape: Any, text: str, timestamp_default: str = ISO8601) -> Any:
    """A scalar from its string form (query strings, headers, XML text, form fields)."""
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        return int(text.strip())
    if kind in ("float", "double"):
        return float(text.strip())
    if kind == "boolean":
        return parse_bool(text)
    if kind == "timestamp":
        return parse_timestamp(text)
    if kind == "blob":
        return decode_blob(text)
    raise ValueError(f"cannot read a {kind} from text")


def scalar_text(shape: Any, value: Any, timestamp_default: str = ISO8601) -> str:
    """A scalar's string form (XML text, headers, form fields)."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, timestamp_format(shape, timestamp_default)))
    if kind == "blob":
        return encode_blob(value)
    if kind in ("float", "double") and isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)
