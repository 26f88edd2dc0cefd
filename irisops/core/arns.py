"""ARNs and identifiers."""

from __future__ import annotations

import os
import secrets

PARTITION = "aws"


def arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def parse_arn(value: str) -> dict[str, str] | None:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return {
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }


def request_id() -> str:
    """A random (version 4) UUID as text, formatted directly: ``str(uuid.uuid4())`` costs
    several times more and runs once per request."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def random_id(length: int = 21, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hex_id(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)
