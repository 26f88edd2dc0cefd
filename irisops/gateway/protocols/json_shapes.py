"""JSON values to and from botocore shapes (json and rest-json bodies).

Parsing is strict about types, as AWS's JSON front ends are: a number where a string
belongs is a ``SerializationException``, not a silent conversion.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from irisops.gateway.protocols.values import (
    EPOCH,
    decode_blob,
    encode_blob,
    format_timestamp,
    parse_timestamp,
    timestamp_format,
)


class WrongType(ValueError):
    pass


_JSON_NAMES = {
    str: "STRING_VALUE",
    bool: "BOOLEAN_VALUE",
    int: "NUMBER_VALUE",
    float: "NUMBER_VALUE",
    list: "START_ARRAY",
    dict: "START_OBJECT",
}


def _wrong(value: Any, expected: str) -> WrongType:
    found = _JSON_NAMES.get(type(value), type(value).__name__)
    return WrongType(f"{found} can not be converted to {expected}")


def from_json(shape: Any, value: Any) -> Any:
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise WrongType("Start of structure or map found where not expected.")
        if shape.is_document_type:
            return value
        result = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in value:
                result[name] = from_json(member, value[wire])
        return result
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong(value, "a List")
        return [from_json(shape.member, item) for item in value]
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong(value, "a Map")
        return {
            from_json(shape.key, key): from_json(shape.value, item) for key, item in value.items()
        }
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong(value, "String")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise _wrong(value, "an Integer" if kind == "integer" else "a Long")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(value, "a Double")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(value, "a Boolean")
        return value
    if kind == "timestamp":
        if isinstance(value, datetime):  # CBOR tag 1 arrives decoded
            return value
        try:
            return parse_timestamp(value)
        except ValueError as exc:
            raise _wrong(value, "a Timestamp") from exc
    if kind == "blob":
        if isinstance(value, bytes | bytearray):  # CBOR byte strings
            return bytes(value)
        if not isinstance(value, str):
            raise _wrong(value, "a Blob")
        try:
            return decode_blob(value)
        except ValueError as exc:
            raise WrongType("Base64 encoded value is not valid") from exc
    return value


def to_json(shape: Any, value: Any, *, binary: bool = False) -> Any:
    """A JSON-able value; with ``binary`` (CBOR) blobs stay bytes and timestamps datetimes."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return value
        result = {}
        for name, member in shape.members.items():
            item = value.get(name)
            if item is None or member.serialization.get("location"):
                continue
            result[member.serialization.get("name", name)] = to_json(member, item, binary=binary)
        return result
    if kind == "list":
        return [to_json(shape.member, item, binary=binary) for item in value]
    if kind == "map":
        return {key: to_json(shape.value, item, binary=binary) for key, item in value.items()}
    if binary and kind in ("timestamp", "blob"):
        if kind == "timestamp" and not isinstance(value, datetime):
            return datetime.fromtimestamp(value, UTC)
        return value
    if kind == "timestamp":
        if isinstance(value, datetime | int | float):
            return format_timestamp(value, timestamp_format(shape, EPOCH))
        return value
    if kind == "blob":
        return encode_blob(value)
    return value
