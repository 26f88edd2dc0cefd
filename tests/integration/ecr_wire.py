"""A raw HTTP client of the ``/v2/`` registry (http.client), for tests that speak the
distribution protocol byte by byte: uploads, manifests, errors."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_codes(self) -> list[str]:
        return [e["code"] for e in self.json()["errors"]]


class Registry:
    def __init__(self, url: str, authorization_token: str | None) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.auth = f"Basic {authorization_token}" if authorization_token else None

    @classmethod
    def login(cls, server: Any) -> Registry:
        data = server.client("ecr").get_authorization_token()["authorizationData"][0]
        return cls(server.url, data["authorizationToken"])

    @classmethod
    def with_password(cls, url: str, password: str) -> Registry:
        return cls(url, base64.b64encode(f"AWS:{password}".encode()).decode())

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.auth:
                sent["Authorization"] = self.auth
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            return Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def push_blob(self, name: str, data: bytes) -> str:
        digest = digest_of(data)
        reply = self.request("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data)
        assert reply.status == 201, reply.body
        return digest

    def push_image(self, name: str, tag: str, seed: bytes) -> tuple[str, bytes]:
        """A small OCI image (config + one layer); returns (digest, manifest bytes)."""
        config = json.dumps({"seed": seed.hex()}).encode()
        layer = b"layer:" + seed * 1000
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": OCI_CONFIG,
                    "digest": self.push_blob(name, config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": OCI_LAYER,
                        "digest": self.push_blob(name, layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        reply = self.request(
            "PUT", f"/v2/{name}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST}
        )
        assert reply.status == 201, reply.body
        return reply.headers["Docker-Content-Digest"], manifest
