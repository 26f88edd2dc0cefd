"""The ``smithy-rpc-v2-cbor`` protocol: ``POST /service/<Target>/operation/<Op>`` with
CBOR bodies. botocore prefers it for CodeBuild, CodePipeline and CloudWatch."""

from __future__ import annotations

from typing import Any

import cbor2
from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, SerializationError
from irisops.gateway.protocols.base import Codec, message_key, read_body
from irisops.gateway.protocols.json_shapes import WrongType, from_json, to_json
from irisops.gateway.route import Route

CBOR = "application/cbor"
PROTOCOL_HEADER = "smithy-protocol"
PROTOCOL = "rpc-v2-cbor"


def _encode(document: Any) -> bytes:
    return cbor2.dumps(document, datetime_as_timestamp=True, timezone=None)


class RpcV2CborCodec(Codec):
    protocol = "smithy-rpc-v2-cbor"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        body = await read_body(request)
        shape = route.operation.input_shape
        if shape is None or not body:
            return {}
        try:
            document = cbor2.loads(body)
        except (cbor2.CBORDecodeError, ValueError) as exc:
            raise SerializationError(f"Malformed CBOR: {exc}") from exc
        if not isinstance(document, dict):
            raise SerializationError("Start of structure or map found where not expected.")
        try:
            return from_json(shape, document) or {}
        except WrongType as exc:
            raise SerializationError(str(exc)) from exc

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        shape = route.operation.output_shape
        document = to_json(shape, output, binary=True) if shape is not None else {}
        return web.Response(
            body=_encode(document),
            status=ctx.status or 200,
            headers={
                "x-amzn-RequestId": ctx.request_id,
                PROTOCOL_HEADER: PROTOCOL,
                "Content-Type": CBOR,
                **ctx.response_headers,
            },
        )

    def error(
        self,
        request: web.Request,
        service_model: Any | None,
        error: AwsError,
        ctx: RequestContext,
    ) -> web.StreamResponse:
        document: dict[str, Any] = {"__type": error.code}
        if error.message:
            document[message_key(service_model, error.code)] = error.message
        document.update(error.fields)
        return web.Response(
            body=_encode(document),
            status=error.status,
            headers={
                "x-amzn-RequestId": ctx.request_id,
                PROTOCOL_HEADER: PROTOCOL,
                "Content-Type": CBOR,
            },
        )
