"""What a request's signature says about the caller: access key, region, service.

Signatures are not verified (any credentials are accepted, as the design card says);
only the credential scope is read, from the ``Authorization`` header (SigV4, SigV4a,
SigV2) or from a presigned URL's ``X-Amz-Credential``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Credential:
    access_key_id: str
    region: str | None
    service: str | None


def _from_scope(scope: str) -> Credential:
    parts = scope.split("/")
    # AKID/DATE/REGION/SERVICE/aws4_request (SigV4) or AKID/DATE/SERVICE/aws4_request (SigV4a)
    if len(parts) >= 5:
        return Credential(parts[0], parts[2] or None, parts[3] or None)
    if len(parts) == 4:
        return Credential(parts[0], None, parts[2] or None)
    return Credential(parts[0], None, None)


def credential(authorization: str | None, query_string: str) -> Credential | None:
    if authorization:
        if authorization.startswith("AWS4-"):
            for part in authorization.split(" ", 1)[-1].split(","):
                key, _, value = part.strip().partition("=")
                if key == "Credential":
                    return _from_scope(value)
        elif authorization.startswith("AWS "):
            return Credential(authorization[4:].split(":", 1)[0], None, None)
    if "X-Amz-Credential" in query_string:
        scope = parse_qs(query_string).get("X-Amz-Credential")
        if scope:
            return _from_scope(scope[0])
    if "AWSAccessKeyId" in query_string:
        key = parse_qs(query_string).get("AWSAccessKeyId")
        if key:
            return Credential(key[0], None, "s3")
    return None
