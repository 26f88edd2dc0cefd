"""Continuation tokens: URL-safe base64 of ``[kind, offset]``, so a token from one
listing cannot be replayed on another."""

from __future__ import annotations

import base64
import binascii
import json

from irisops.services.codecommit.errors import CodeCommitError


def encode_token(kind: str, offset: int) -> str:
    raw = json.dumps([kind, offset], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, kind: str) -> int:
    """The offset a token resumes at; InvalidContinuationTokenException otherwise."""
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != 2
        or values[0] != kind
        or not isinstance(values[1], int)
        or values[1] < 0
    ):
        raise CodeCommitError("InvalidContinuationTokenException")
    return values[1]
