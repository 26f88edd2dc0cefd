"""``POST /endpoints/{name}/invocations`` served directly, ahead of the generic gateway.

InvokeEndpoint is the one call whose cost is the product: it runs per prediction. The
generic path (routing over every model's REST templates, a model-driven parse and
validation, a model-driven response) costs several times what the proxying itself
does, so the route reads exactly the members InvokeEndpoint has -- headers, the path's
endpoint name, the body -- checks the model's constraints on them, and answers with
the same wire shape (rest-json; errors as the gateway's codec writes them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import botocore.session
from aiohttp import web

from irisops.core.arns import request_id
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.gateway.body import StreamBody
from irisops.gateway.protocols.rest_json import RestJsonCodec
from irisops.gateway.responses import payload_response
from irisops.gateway.sigv4 import credential
from irisops.services.sagemaker_runtime.errors import ValidationError

if TYPE_CHECKING:
    from irisops.services.sagemaker_runtime.service import SageMakerRuntimeService

PATH = "/endpoints/{EndpointName}/invocations"
ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
MAX_NAME = 63
MAX_BODY = 6291456
ACCOUNT_KEY = re.compile(r"\d{12}")
#: InvokeEndpoint's header-bound input members.
HEADERS = {
    "Content-Type": "ContentType",
    "Accept": "Accept",
    "X-Amzn-SageMaker-Custom-Attributes": "CustomAttributes",
    "X-Amzn-SageMaker-Target-Model": "TargetModel",
    "X-Amzn-SageMaker-Target-Variant": "TargetVariant",
    "X-Amzn-SageMaker-Target-Container-Hostname": "TargetContainerHostname",
    "X-Amzn-SageMaker-Inference-Id": "InferenceId",
    "X-Amzn-SageMaker-Enable-Explanations": "EnableExplanations",
    "X-Amzn-SageMaker-Inference-Component": "InferenceComponentName",
    "X-Amzn-SageMaker-Session-Id": "SessionId",
}
CODEC = RestJsonCodec()


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

    def context(self, request: web.Request) -> RequestContext:
        config = self.service.config
        ctx = RequestContext(
            service="sagemaker-runtime",
            operation="InvokeEndpoint",
            account=config.account,
            region=config.region,
            request_id=request_id(),
            request=request,
        )
        cred = credential(request.headers.get("Authorization"), request.query_string)
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

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ctx = self.context(request)
        try:
            params = await self.params(request)
            output = await self.service.invoke_endpoint(ctx, params)
        except AwsError as error:
            return CODEC.error(request, self.model, error, ctx)
        headers = {
            "x-amzn-RequestId": ctx.request_id,
            "Content-Type": output["ContentType"],
            "x-Amzn-Invoked-Production-Variant": output["InvokedProductionVariant"],
        }
        if "CustomAttributes" in output:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = output["CustomAttributes"]
        body = output["Body"]
        if isinstance(body, StreamBody):
            return payload_response(body, status=200, headers=headers)
        return web.Response(body=body, headers=headers)

    async def params(self, request: web.Request) -> dict[str, Any]:
        name = request.match_info["EndpointName"]
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
        if request.content_length is not None and request.content_length > MAX_BODY:
            problems.append(
                "Value at 'body' failed to satisfy constraint: Member must have length less "
                f"than or equal to {MAX_BODY}"
            )
        if problems:
            count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''}"
            raise ValidationError(f"{count} detected: " + "; ".join(problems))
        params: dict[str, Any] = {"EndpointName": name, "Body": await request.read()}
        headers = request.headers
        for header, member in HEADERS.items():
            value = headers.get(header)
            if value is not None:
                params[member] = value
        return params
