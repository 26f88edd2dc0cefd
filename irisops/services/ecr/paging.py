"""Opaque paging tokens: URL-safe base64 of ``[operation, position]``, so a token from
one operation cannot be replayed on another."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from irisops.services.ecr.errors import InvalidParameter


def encode_token(operation: str, position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([operation, position]).encode()).decode()


def decode_token(operation: str, token: str) -> Any:
    try:
        kind, position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidParameter("Invalid parameter at 'nextToken': invalid token") from exc
    if kind != operation:
        raise InvalidParameter("Invalid parameter at 'nextToken': invalid token")
    return position


def page(
    items: list[Any], operation: str, params: dict[str, Any], key: Any, default: int = 100
) -> tuple[list[Any], str | None]:
    """One page of ``items`` (sorted by ``key``) after the token's position."""
    token = params.get("nextToken")
    if token:
        after = decode_token(operation, token)
        items = [item for item in items if key(item) > after]
    limit = params.get("maxResults") or default
    if len(items) <= limit:
        return items, None
    chunk = items[:limit]
    return chunk, encode_token(operation, key(chunk[-1]))
