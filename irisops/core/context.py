"""What a service handler knows about the request it is serving."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass
class RequestContext:
    """The caller's identity and the operation being served.

    ``account`` and ``region`` come from the request (SigV4 credential scope, access key
    id); every resource a handler touches is partitioned by them.
    """

    service: str
    operation: str
    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    access_key_id: str = ""
    request_id: str = ""
    host: str = ""
    request: web.Request | None = None
    #: A handler may set the HTTP status (S3's 206 for a range) and extra headers.
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
