"""The ``json`` protocol (JSON 1.0/1.1 over POST with ``X-Amz-Target``)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, SerializationError
from irisops.gateway.protocols.base import Codec, message_key, read_body
from irisops.gateway.protocols.json_shapes import WrongType, from_json, to_json
from irisops.gateway.route import Route


def json_content_type(service_model: Any | None) -> str:
    version = (service_model.metadata.get("jsonVersion") if service_model else None) or "1.1"
    return f"application/x-amz-json-{version}"


def decode_json_body(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SerializationError(f"Malformed JSON: {exc}") from exc


def params_from_json(shape: Any | None, document: Any) -> dict[str, Any]:
    if shape is None:
        return {}
    try:
        return from_json(shape, document) or {}
    except WrongType as exc:
        raise SerializationError(str(exc)) from exc


def json_error_body(service_model: Any | None, error: AwsError) -> bytes:
    document: dict[str, Any] = {"__type": error.code}
    if error.message:
        document[message_key(service_model, error.code)] = error.message
    document.update(error.fields)
    return json.dumps(document, default=str).encode()


class JsonRpcCodec(Codec):
    protocol = "json"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        document = decode_json_body(await read_body(request))
        if not isinstance(document, dict):
            raise SerializationError("Start of structure or map found where not expected.")
        return params_from_json(route.operation.input_shape, document)

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        shape = route.operation.output_shape
        document = to_json(shape, output) if shape is not None else {}
        headers = {"x-amzn-RequestId": ctx.request_id, **ctx.response_headers}
        return web.Response(
            body=json.dumps(document, separators=(",", ":")).encode(),
            status=ctx.status or 200,
            headers=headers,
            content_type=json_content_type(route.service_model),
        )

    def error(
        self,
        request: web.Request,
        service_model: Any | None,
        error: AwsError,
        ctx: RequestContext,
    ) -> web.StreamResponse:
        return web.Response(
            body=json_error_body(service_model, error),
            status=error.status,
            headers={"x-amzn-RequestId": ctx.request_id, "x-amzn-ErrorType": error.code},
            content_type=json_content_type(service_model),
        )
