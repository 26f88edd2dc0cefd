"""Serving one AWS API request: route, parse, validate, call the handler, answer.

Every failure becomes an AWS-shaped error in the request's protocol; an unexpected
exception becomes ``InternalFailure`` (500) with its traceback logged, and the server
keeps serving.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from irisops.core.arns import request_id
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, InternalFailure, InvalidInput, NotImplementedOperation
from irisops.gateway.protocols.base import Codec
from irisops.gateway.protocols.json_rpc import JsonRpcCodec
from irisops.gateway.protocols.query import QueryCodec
from irisops.gateway.protocols.rest_json import RestJsonCodec
from irisops.gateway.protocols.rest_xml import RestXmlCodec
from irisops.gateway.protocols.rpc_v2_cbor import PROTOCOL_HEADER, RpcV2CborCodec
from irisops.gateway.protocols.validate import validation_errors, validation_message
from irisops.gateway.routing import FORM, Router

log = logging.getLogger("irisops.gateway")

CODECS: dict[str, Codec] = {
    codec.protocol: codec
    for codec in (
        JsonRpcCodec(),
        QueryCodec(),
        RestJsonCodec(),
        RestXmlCodec(),
        RpcV2CborCodec(),
    )
}


def guess_codec(request: web.Request) -> Codec:
    """The protocol to answer in when routing itself failed."""
    if "X-Amz-Target" in request.headers:
        return CODECS["json"]
    if PROTOCOL_HEADER in request.headers:
        return CODECS["smithy-rpc-v2-cbor"]
    if request.headers.get("Content-Type", "").startswith(FORM):
        return CODECS["query"]
    if "json" in request.headers.get("Content-Type", ""):
        return CODECS["rest-json"]
    return CODECS["rest-xml"]


class Dispatcher:
    def __init__(self, router: Router) -> None:
        self.router = router

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ctx = RequestContext(service="", operation="", request_id=request_id(), request=request)
        ctx.host = request.host
        codec = guess_codec(request)
        service_model: Any | None = None
        try:
            route = await self.router.route(request, ctx)
            codec = CODECS[route.protocol]
            service_model = route.service_model
            handler = route.service.handler(route.operation.name)
            if handler is None:
                raise NotImplementedOperation(
                    f"irisops does not implement the {ctx.service} operation "
                    f"{route.operation.name} yet"
                )
            params = await codec.parse(request, route)
            errors = validation_errors(
                route.operation.input_shape,
                params,
                enums=route.service.validates_enums,
            )
            if errors:
                code = getattr(route.service, "validation_error_code", None)
                raise InvalidInput(validation_message(errors), code=code or codec.validation_code)
            route.service.check_input(route.operation, params)
            output = await handler(ctx, params)
            return codec.respond(request, route, output or {}, ctx)
        except AwsError as error:
            if error.status >= 500:
                log.warning("%s %s: %r", ctx.service, ctx.operation, error)
            return codec.error(request, service_model, error, ctx)
        except (ConnectionResetError, web.HTTPException):
            raise
        except Exception:
            log.exception("unexpected failure in %s %s", ctx.service, ctx.operation)
            failure = InternalFailure(
                f"irisops failed unexpectedly serving {ctx.service} {ctx.operation}; "
                "the server log has the traceback"
            )
            return codec.error(request, service_model, failure, ctx)
