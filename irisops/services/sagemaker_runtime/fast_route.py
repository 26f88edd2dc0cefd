"""``POST /endpoints/{name}/invocations`` served directly, ahead of the generic gateway.

InvokeEndpoint is the one call whose cost is the product: it runs per prediction. The
generic path (routing over every model's REST templates, a model-driven parse and
validation, a model-driven response) costs several times what the proxying itself
does, so the route reads exactly the members InvokeEndpoint has -- headers, the path's
endpoint name, the body -- checks the model's constraints on them, and answers with
the same wire shape (rest-json; errors as the gateway's codec writes them).

It is served twice over: in the gateway's fast lane (:mod:`irisops.gateway.fast_lane`,
plain requests, below aiohttp) and as an aiohttp route for what the lane hands over
(chunked bodies, ``Expect: 100-continue``); both answer through :meth:`answer`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import botocore.session
from aiohttp import web

from irisops.core.arns import request_id
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.gateway.fast_lane import FastAnswer, FastRequest, FastRoute, internal_failure
from irisops.gateway.protocols.json_rpc import json_error_body
from irisops.gateway.protocols.rest_json import JSON
from irisops.gateway.sigv4 import credential
from irisops.services.sagemaker_runtime.errors import ValidationError
from irisops.services.sagemaker_runtime.invocation import Outcome

if TYPE_CHECKING:
    from irisops.services.sagemaker_runtime.service import SageMakerRuntimeService

log = logging.getLogger("irisops.sagemaker_runtime")

PATH = "/endpoints/{EndpointName}/invocations"
ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
MAX_NAME = 63
MAX_BODY = 6291456
ACCOUNT_KEY = re.compile(r"\d{12}")
PREFIX, SUFFIX = "/endpoints/", "/invocations"
#: InvokeEndpoint's header-bound input members (header names lower-cased: the lane's
#: headers are, and aiohttp's are looked up case-insensitively).
HEADERS = {
    "content-type": "ContentType",
    "accept": "Accept",
    "x-amzn-sagemaker-custom-attributes": "CustomAttributes",
    "x-amzn-sagemaker-target-model": "TargetModel",
    "x-amzn-sagemaker-target-variant": "TargetVariant",
    "x-amzn-sagemaker-target-container-hostname": "TargetContainerHostname",
    "x-amzn-sagemaker-inference-id": "InferenceId",
    "x-amzn-sagemaker-enable-explanations": "EnableExplanations",
    "x-amzn-sagemaker-inference-component": "InferenceComponentName",
    "x-amzn-sagemaker-session-id": "SessionId",
}


class FastInvocations:
    def __init__(self, service: SageMakerRuntimeService) -> None:
        self.service = service
        self._model: Any | None = None

    @property
    def model(self) -> Any:
        """The botocore model, loaded on the first error (errors are shaped from it)."""
        if self._model is None:
            self._model = botocore.session.get_session().get_service_model("sagemaker-runtime")
        return self._model

    def route(self) -> FastRoute:
        return FastRoute("POST", PREFIX, SUFFIX, self.handle_fast, MAX_BODY)

    def context(self, authorization: str | None, query_string: str) -> RequestContext:
        config = self.service.config
        ctx = RequestContext(
            service="sagemaker-runtime",
            operation="InvokeEndpoint",
            account=config.account,
            region=config.region,
            request_id=request_id(),
        )
        cred = credential(authorization, query_string)
        if cred is not None:
            ctx.access_key_id = cred.access_key_id
            if cred.region and cred.region not in ("aws-global", "*"):
                ctx.region = cred.region
            if ACCOUNT_KEY.fullmatch(cred.access_key_id):
                ctx.account = cred.access_key_id
            else:
                resolved = self.service.runtime.resolve_account(cred.access_key_id)
                ctx.account = resolved or config.account
        return ctx

    def handle_fast(self, request: FastRequest, respond: Callable[[FastAnswer], None]) -> None:
        """The lane's request (the path is ``/endpoints/NAME/invocations``, no query),
        answered through ``respond`` once the instance answers."""
        name = request.path[len(PREFIX) : -len(SUFFIX)]
        headers = request.headers
        ctx = self.context(headers.get("authorization"), "")
        try:
            params = self.params(name, headers, len(request.body), request.body)
        except AwsError as error:
            respond(fast_answer(*self.error(ctx, error)))
            return

        def done(outcome: Outcome) -> None:
            if isinstance(outcome, AwsError):
                respond(fast_answer(*self.error(ctx, outcome)))
            elif isinstance(outcome, BaseException):
                log.error("InvokeEndpoint failed", exc_info=outcome)
                respond(internal_failure())
            else:
                respond(fast_answer(*self.success(ctx, outcome)))

        self.service.invoke(ctx, params, done)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request.headers.get("Authorization"), request.query_string)
        ctx.request = request
        name = request.match_info["EndpointName"]
        length = request.content_length
        body = b"" if length is not None and length > MAX_BODY else await request.read()
        status, headers, payload = await self.answer(
            ctx, name, request.headers, length if length is not None else len(body), body
        )
        return web.Response(status=status, body=payload, headers=headers)

    async def answer(
        self,
        ctx: RequestContext,
        name: str,
        headers: Mapping[str, str],
        content_length: int,
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of InvokeEndpoint's answer, errors included."""
        try:
            params = self.params(name, headers, content_length, body)
            output = await self.service.invoke_endpoint(ctx, params)
        except AwsError as error:
            return self.error(ctx, error)
        return self.success(ctx, output)

    def error(self, ctx: RequestContext, error: AwsError) -> tuple[int, dict[str, str], bytes]:
        """As the gateway's rest-json codec answers errors."""
        headers = {
            "x-amzn-RequestId": ctx.request_id,
            "x-amzn-ErrorType": error.code,
            "Content-Type": JSON,
        }
        return error.status, headers, json_error_body(self.model, error)

    def success(
        self, ctx: RequestContext, output: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "x-amzn-RequestId": ctx.request_id,
            "Content-Type": output["ContentType"],
            "x-Amzn-Invoked-Production-Variant": output["InvokedProductionVariant"],
        }
        if "CustomAttributes" in output:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = output["CustomAttributes"]
        return 200, headers, output["Body"]

    def params(
        self, name: str, headers: Mapping[str, str], content_length: int, body: bytes
    ) -> dict[str, Any]:
        problems = []
        if len(name) > MAX_NAME:
            problems.append(
                f"Value '{name}' at 'endpointName' failed to satisfy constraint: Member must "
                f"have length less than or equal to {MAX_NAME}"
            )
        elif not ENDPOINT_NAME.match(name):
            problems.append(
                f"Value '{name}' at 'endpointName' failed to satisfy constraint: Member must "
                f"satisfy regular expression pattern: {ENDPOINT_NAME.pattern}"
            )
        if content_length > MAX_BODY:
            problems.append(
                "Value at 'body' failed to satisfy constraint: Member must have length less "
                f"than or equal to {MAX_BODY}"
            )
        if problems:
            count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''}"
            raise ValidationError(f"{count} detected: " + "; ".join(problems))
        params: dict[str, Any] = {"EndpointName": name, "Body": body}
        for header, member in HEADERS.items():
            value = headers.get(header)
            if value is not None:
                params[member] = value
        return params


def fast_answer(status: int, headers: dict[str, str], body: bytes) -> FastAnswer:
    return FastAnswer(status, HTTPStatus(status).phrase, list(headers.items()), body)
