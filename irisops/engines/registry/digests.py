"""Content digests (``sha256:<64 hex>``): the only algorithm this registry stores."""

from __future__ import annotations

import hashlib
import re

from irisops.engines.registry.errors import RegistryError

DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
#: Any well-formed digest of the spec's grammar, to tell "unsupported" from "malformed".
ANY_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")


def is_digest(value: str) -> bool:
    return bool(DIGEST.match(value))


def check_digest(value: str | None) -> str:
    """The digest itself, or DIGEST_INVALID when it is missing, malformed or not sha256."""
    if not value or not DIGEST.match(value):
        if value and ANY_DIGEST.match(value):
            raise RegistryError(
                "DIGEST_INVALID", f"unsupported digest algorithm: {value}", detail=value
            )
        raise RegistryError("DIGEST_INVALID", f"invalid digest: {value!r}", detail=value)
    return value


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
