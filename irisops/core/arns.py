"""ARNs and identifiers."""

from __future__ import annotations

import secrets
import uuid

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
    return str(uuid.uuid4())


def random_id(length: int = 21, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hex_id(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)
