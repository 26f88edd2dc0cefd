"""nextToken for CodeBuild listings: an opaque offset."""

from __future__ import annotations

import base64
import binascii

from irisops.services.codebuild.errors import InvalidInput


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("Invalid next token")  # unconfirmed text
