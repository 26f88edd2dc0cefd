"""What a protocol codec does: read a request into parameters, write an answer or error."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, RequestTooLarge
from irisops.gateway.route import Route


class Codec:
    protocol: ClassVar[str]
    #: The code AWS answers with when an input breaks the model's constraints.
    validation_code: ClassVar[str] = "ValidationException"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        raise NotImplementedError

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        raise NotImplementedError

    def error(
        self,
        request: web.Request,
        service_model: Any | None,
        error: AwsError,
        ctx: RequestContext,
    ) -> web.StreamResponse:
        raise NotImplementedError


async def read_body(request: web.Request) -> bytes:
    """The whole body, within the app's ``client_max_size``."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise RequestTooLarge(
            f"Request body is larger than the maximum of {request._client_max_size} bytes"
        ) from exc


@functools.lru_cache(maxsize=256)
def _error_shapes(service_model: Any) -> dict[str, Any]:
    shapes: dict[str, Any] = {}
    for shape in service_model.error_shapes:
        code = shape.metadata.get("error", {}).get("code") or shape.name
        shapes[code] = shape
        shapes.setdefault(shape.name, shape)
    return shapes


def error_shape(service_model: Any | None, code: str) -> Any | None:
    if service_model is None:
        return None
    return _error_shapes(service_model).get(code)


def message_key(service_model: Any | None, code: str, default: str = "message") -> str:
    """``message`` or ``Message``, as the service's error shape spells it."""
    shape = error_shape(service_model, code)
    if shape is not None:
        for name in shape.members:
            if name.lower() == "message":
                return name
    return default
