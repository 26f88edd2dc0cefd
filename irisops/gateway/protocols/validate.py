"""Input validation against an operation's input shape, as AWS's front ends do it.

Checks what botocore's client leaves to the service: required members, enums, string
and collection lengths, numeric ranges and regular-expression patterns (Java syntax in
the models; the ``regex`` module reads ``\\p{...}`` classes that ``re`` does not).
Messages follow AWS's wording::

    1 validation error detected: Value 'x!' at 'roleName' failed to satisfy constraint:
    Member must satisfy regular expression pattern: [\\w+=,.@-]+
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import regex

MAX_REPORTED = 10


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str) -> regex.Pattern[str] | None:
    try:
        return regex.compile(pattern, regex.DOTALL)
    except regex.error:
        return None


def _path_name(member: str) -> str:
    return member[:1].lower() + member[1:]


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return "java.nio.HeapByteBuffer"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    return str(value)


class _Collector:
    def __init__(self, enums: bool) -> None:
        self.errors: list[str] = []
        self.enums = enums

    def add(self, value: Any, path: str, constraint: str) -> None:
        self.errors.append(
            f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: {constraint}"
            if value is not None
            else f"Value null at '{path}' failed to satisfy constraint: {constraint}"
        )


def validation_errors(shape: Any, params: dict[str, Any], *, enums: bool = True) -> list[str]:
    """Every constraint ``params`` breaks, as AWS phrases them (empty when valid).

    ``enums=False`` leaves enum values to the service: S3 checks none at its front end
    and answers its own errors (``InvalidLocationConstraint``, ``InvalidStorageClass``).
    """
    collector = _Collector(enums)
    if shape is not None:
        _check_structure(shape, params, "", collector)
    return collector.errors


def validation_message(errors: list[str]) -> str:
    shown = errors[:MAX_REPORTED]
    noun = "error" if len(errors) == 1 else "errors"
    return f"{len(errors)} validation {noun} detected: " + "; ".join(shown)


def _check_structure(shape: Any, value: dict[str, Any], path: str, out: _Collector) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            out.add(None, path + _path_name(name), "Member must not be null")
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            _check(member, value[name], path + _path_name(name), out)


def _check(shape: Any, value: Any, path: str, out: _Collector) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if isinstance(value, dict):
            _check_structure(shape, value, path + ".", out)
        return
    if kind == "list":
        if not isinstance(value, list):
            return
        _check_size(value, len(value), meta, path, out, "length")
        for index, item in enumerate(value, 1):
            if item is not None:
                _check(shape.member, item, f"{path}.{index}.member", out)
        return
    if kind == "map":
        if not isinstance(value, dict):
            return
        _check_size(value, len(value), meta, path, out, "length")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.member.key", out)
            if item is not None:
                _check(shape.value, item, f"{path}.{key}.member.value", out)
        return
    if kind == "string":
        if not isinstance(value, str):
            return
        enum = shape.enum
        if enum and out.enums and value not in enum:
            out.add(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            return
        _check_size(value, len(value), meta, path, out, "length")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _compile(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                out.add(
                    value,
                    path,
                    f"Member must satisfy regular expression pattern: {pattern}",
                )
        return
    if kind == "blob":
        if isinstance(value, bytes | bytearray):
            _check_size(value, len(value), meta, path, out, "length")
        return
    if kind in ("integer", "long", "float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_size(value, value, meta, path, out, "value")


def _check_size(
    value: Any, measure: float, meta: dict[str, Any], path: str, out: _Collector, what: str
) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and measure < low:
        out.add(value, path, f"Member must have {what} greater than or equal to {_num(low)}")
    elif high is not None and measure > high:
        out.add(value, path, f"Member must have {what} less than or equal to {_num(high)}")


def _num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)
