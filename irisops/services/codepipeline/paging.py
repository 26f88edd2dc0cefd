"""Opaque list tokens: URL-safe base64 of a small JSON array tagged with the operation."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from irisops.services.codepipeline.errors import InvalidNextToken


def encode(kind: str, *values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *values]).encode()).decode()


def decode(token: str, kind: str) -> list[Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidNextToken("Invalid nextToken") from exc  # unconfirmed text
    if not isinstance(value, list) or not value or value[0] != kind:
        raise InvalidNextToken("Invalid nextToken")
    return value[1:]
