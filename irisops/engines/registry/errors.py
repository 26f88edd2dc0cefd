"""Registry errors in the distribution spec's JSON shape:
``{"errors": [{"code": ..., "message": ..., "detail": ...}]}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

#: HTTP status of each error code (distribution spec, plus ECR's TAG_INVALID).
STATUS: dict[str, int] = {
    "BLOB_UNKNOWN": 404,
    "BLOB_UPLOAD_INVALID": 400,
    "BLOB_UPLOAD_UNKNOWN": 404,
    "DIGEST_INVALID": 400,
    "MANIFEST_BLOB_UNKNOWN": 400,
    "MANIFEST_INVALID": 400,
    "MANIFEST_UNKNOWN": 404,
    "NAME_INVALID": 400,
    "NAME_UNKNOWN": 404,
    "SIZE_INVALID": 400,
    "TAG_INVALID": 400,
    "UNAUTHORIZED": 401,
    "DENIED": 403,
    "UNSUPPORTED": 415,
    "RANGE_INVALID": 416,
}

MESSAGES: dict[str, str] = {
    "BLOB_UNKNOWN": "blob unknown to registry",
    "BLOB_UPLOAD_INVALID": "blob upload invalid",
    "BLOB_UPLOAD_UNKNOWN": "blob upload unknown to registry",
    "DIGEST_INVALID": "provided digest did not match uploaded content",
    "MANIFEST_BLOB_UNKNOWN": "blob unknown to registry",
    "MANIFEST_INVALID": "manifest invalid",
    "MANIFEST_UNKNOWN": "manifest unknown",
    "NAME_INVALID": "invalid repository name",
    "SIZE_INVALID": "provided length did not match content length",
    "UNAUTHORIZED": "authentication required",
    "UNSUPPORTED": "The operation is unsupported.",
}


class RegistryError(Exception):
    """A failure the registry answers with its distribution-spec code."""

    def __init__(
        self, code: str, message: str | None = None, *, detail: Any = None, status: int = 0
    ) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, code.lower().replace("_", " "))
        self.detail = detail
        self.status = status or STATUS.get(code, 400)
        super().__init__(f"{code}: {self.message}")

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        entry: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            entry["detail"] = self.detail
        return web.Response(
            status=self.status,
            body=json.dumps({"errors": [entry]}).encode(),
            content_type="application/json",
            headers=headers,
        )
