"""The ``rest-json`` protocol (SageMaker Runtime, ...)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, SerializationError
from irisops.gateway.body import FileBody, RequestBody, StreamBody
from irisops.gateway.protocols.base import Codec, read_body
from irisops.gateway.protocols.json_rpc import decode_json_body, json_error_body, params_from_json
from irisops.gateway.protocols.json_shapes import to_json
from irisops.gateway.protocols.rest import bind_locations, location_headers, split_raw_path
from irisops.gateway.responses import payload_response
from irisops.gateway.route import Route

JSON = "application/json"


class RestJsonCodec(Codec):
    protocol = "rest-json"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        shape = route.operation.input_shape
        if shape is None:
            return {}
        _, query = split_raw_path(request)
        params = bind_locations(shape, request, route.uri_params, query)
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            if member.type_name in ("blob", "string"):
                if member.serialization.get("streaming") or member.serialization.get(
                    "requiresLength"
                ):
                    params[payload] = RequestBody.from_request(request)
                else:
                    body = await read_body(request)
                    params[payload] = body if member.type_name == "blob" else body.decode()
            else:
                document = decode_json_body(await read_body(request))
                params[payload] = params_from_json(member, document)
            return params
        document = decode_json_body(await read_body(request))
        if not isinstance(document, dict):
            raise SerializationError("Start of structure or map found where not expected.")
        body_params = params_from_json(shape, document)
        for name, value in body_params.items():
            if not shape.members[name].serialization.get("location"):
                params[name] = value
        return params

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        operation = route.operation
        status = ctx.status or operation.http.get("responseCode", 200)
        headers = {"x-amzn-RequestId": ctx.request_id}
        shape = operation.output_shape
        if shape is None:
            headers.update(ctx.response_headers)
            return web.Response(status=status, headers=headers)
        bound, status_member = location_headers(shape, output)
        headers.update(bound)
        headers.update(ctx.response_headers)
        status = status_member or status
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            value = output.get(payload)
            if member.type_name in ("blob", "string") or isinstance(value, FileBody | StreamBody):
                headers.setdefault("Content-Type", "application/octet-stream")
                return payload_response(value, status=status, headers=headers)
            document = to_json(member, value) if value is not None else {}
        else:
            document = to_json(shape, output)
        headers.setdefault("Content-Type", JSON)
        return web.Response(
            body=json.dumps(document, separators=(",", ":")).encode(),
            status=status,
            headers=headers,
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
            headers={
                "x-amzn-RequestId": ctx.request_id,
                "x-amzn-ErrorType": error.code,
                "Content-Type": JSON,
            },
        )
