"""Signed requests to replay: captured from a real boto3 call, signed once with SigV4.

The call is made for real (so the request is known to succeed) while a ``before-send``
hook records exactly what botocore put on the wire. Neither irisops nor moto checks a
signature's freshness, so the same bytes can be replayed for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig

REGION = "us-east-1"


@dataclass(frozen=True)
class ReplayRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def target(self) -> str:
        """Path and query: what goes on the request line."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def with_origin(self, origin: str) -> ReplayRequest:
        """The same request sent somewhere else (the trivial responder)."""
        return ReplayRequest(self.method, origin + self.target, self.headers, self.body)

    def wire_headers(self) -> dict[str, str]:
        """Headers to send: the signed ones plus Host; Content-Length is the sender's job."""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        headers["Host"] = self.host
        return headers

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body.decode("latin-1"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReplayRequest:
        return cls(data["method"], data["url"], data["headers"], data["body"].encode("latin-1"))


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    raise TypeError(f"cannot replay a streaming request body ({type(body).__name__})")


def capture(aws_client: Any, operation: str, **params: Any) -> ReplayRequest:
    """Call ``operation`` for real and return the signed request botocore sent."""
    sent: list[ReplayRequest] = []

    def record(request: Any, **_: Any) -> None:
        headers = {_text(k): _text(v) for k, v in request.headers.items()}
        sent.append(ReplayRequest(request.method, request.url, headers, _body(request.body)))

    aws_client.meta.events.register("before-send", record)
    try:
        getattr(aws_client, operation)(**params)
    finally:
        aws_client.meta.events.unregister("before-send", record)
    if not sent:
        raise RuntimeError(f"{operation} sent no request")
    return sent[-1]
