"""IAM's ``Marker`` / ``MaxItems`` / ``IsTruncated`` pagination over an ordered list."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from irisops.services.iam.errors import InvalidInput

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


def page(items: Sequence[T], params: dict[str, Any], member: str) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` and the output dict with ``member`` / ``IsTruncated`` /
    ``Marker`` filled in; the caller maps the items it gets back into ``member``."""
    start = _offset(params.get("Marker"))
    size = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    chosen = list(items[start : start + size])
    out: dict[str, Any] = {member: chosen, "IsTruncated": start + size < len(items)}
    if out["IsTruncated"]:
        out["Marker"] = _marker(start + size)
    return chosen, out


def _marker(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode("ascii")


def _offset(marker: str | None) -> int:
    if not marker:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))["o"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput("Invalid Marker.") from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("Invalid Marker.")
    return offset
