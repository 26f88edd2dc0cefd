"""InvokeEndpoint: the request's body and its SageMaker headers go to one instance's
``POST /invocations`` through that instance's keep-alive pool; the answer comes back as
the container gave it, with the variant that served it.

The hot path touches no database: the endpoint's live :class:`Fleet` is an in-memory
lookup in the SageMaker service's endpoint supervisor; only a miss reads the store, to
tell a missing endpoint from one that is not serving.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.engines.sagemaker.endpoint_http import BadAnswer, InstanceUnreachable
from irisops.engines.sagemaker.endpoint_instances import invoke_parts
from irisops.engines.sagemaker.endpoint_routing import (
    NoCapacity,
    NoSuchVariant,
    TargetContainerError,
)
from irisops.services.base import Service
from irisops.services.sagemaker.resources import resource_arn
from irisops.services.sagemaker_runtime import fast_route
from irisops.services.sagemaker_runtime.errors import (
    ModelError,
    ValidationError,
    endpoint_not_found,
    model_error,
    target_container_error,
)

INVOCATION_TIMEOUT_S = 60.0
RESTORE_POLL_S = 0.05
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
CUSTOM_ATTRIBUTES_KEY = CUSTOM_ATTRIBUTES.lower()
PASSED_HEADERS = {
    "InferenceId": "X-Amzn-SageMaker-Inference-Id",
    "TargetModel": "X-Amzn-SageMaker-Target-Model",
    "TargetContainerHostname": "X-Amzn-SageMaker-Target-Container-Hostname",
    "EnableExplanations": "X-Amzn-SageMaker-Enable-Explanations",
    "InferenceComponentName": "X-Amzn-SageMaker-Inference-Component",
    "SessionId": "X-Amzn-SageMaker-Session-Id",
}


class SageMakerRuntimeService(Service):
    name: ClassVar[str] = "sagemaker-runtime"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(fast_route.PATH, fast_route.FastInvocations(self).handle)

    def _headers(self, params: dict[str, Any]) -> dict[str, str]:
        headers = {"Content-Type": params.get("ContentType") or "application/octet-stream"}
        if params.get("Accept"):
            headers["Accept"] = params["Accept"]
        if params.get("CustomAttributes"):
            headers[CUSTOM_ATTRIBUTES] = params["CustomAttributes"]
        for member, header in PASSED_HEADERS.items():
            if params.get(member):
                headers[header] = str(params[member])
        return headers

    def _not_serving(self, ctx: RequestContext, name: str, arn: str) -> ValidationError:
        sagemaker = self.runtime.services["sagemaker"]
        row = sagemaker.store.read_one(
            "SELECT status FROM sagemaker_endpoints WHERE arn = ?", (arn,)
        )
        if row is None:
            return endpoint_not_found(name, ctx.account)
        # unconfirmed text: invoking an endpoint that is not InService.
        return ValidationError(f"Endpoint {name} of account {ctx.account} is not in service.")

    async def invoke_endpoint(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]
        arn = resource_arn(ctx, "endpoint", name)
        supervisor = self.runtime.services["sagemaker"].endpoints
        fleet = supervisor.fleet(arn) or await self._restored_fleet(supervisor, arn)
        if fleet is None:
            raise self._not_serving(ctx, name, arn)
        target = params.get("TargetVariant")
        headers = self._headers(params)
        body = params.get("Body") or b""
        for attempt in (1, 2):
            try:
                variant, instance = fleet.choose(target)
            except NoSuchVariant as exc:
                raise ValidationError(  # unconfirmed text
                    f"Variant {target} does not exist on endpoint {name} of account {ctx.account}."
                ) from exc
            except NoCapacity as exc:
                raise self._not_serving(ctx, name, arn) from exc
            try:
                if instance.mode is None and "TargetContainerHostname" not in params:
                    answer = await instance.client.post(
                        "/invocations", headers, body, INVOCATION_TIMEOUT_S
                    )
                    served = instance
                else:
                    hostname = params.get("TargetContainerHostname")
                    answer, served = await invoke_parts(
                        instance, hostname, headers, body, INVOCATION_TIMEOUT_S
                    )
            except TargetContainerError as exc:
                raise target_container_error(exc, name, ctx.account) from exc
            except TimeoutError as exc:
                raise self._timed_out(ctx, name) from exc
            except InstanceUnreachable as exc:
                # The container went away between the watcher's checks: try another once.
                supervisor.instance_failed(arn, instance)
                if attempt == 2:
                    raise model_error(ctx.region, ctx.account, name, 0, str(exc)) from exc
                continue
            except BadAnswer as exc:
                raise model_error(ctx.region, ctx.account, name, 0, str(exc)) from exc
            if answer.status >= 300:
                message = answer.body.decode("utf-8", "replace")
                raise model_error(
                    ctx.region, ctx.account, name, answer.status, message, served.name
                )
            out: dict[str, Any] = {
                "Body": answer.body,
                "ContentType": answer.headers.get("content-type", "application/octet-stream"),
                "InvokedProductionVariant": variant.name,
            }
            if CUSTOM_ATTRIBUTES_KEY in answer.headers:
                out["CustomAttributes"] = answer.headers[CUSTOM_ATTRIBUTES_KEY]
            return out
        raise AssertionError("unreachable")

    async def _restored_fleet(self, supervisor: Any, arn: str) -> Any:
        """After a restart an InService endpoint serves once its instances are back:
        an invocation meanwhile waits for them (as long as an invocation may take)."""
        row = self.runtime.services["sagemaker"].store.read_one(
            "SELECT status FROM sagemaker_endpoints WHERE arn = ?", (arn,)
        )
        if row is None or row["status"] not in ("InService", "Updating"):
            return None
        deadline = asyncio.get_running_loop().time() + INVOCATION_TIMEOUT_S
        while supervisor.busy(arn) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(RESTORE_POLL_S)
            if (fleet := supervisor.fleet(arn)) is not None:
                return fleet
        return supervisor.fleet(arn)

    def _timed_out(self, ctx: RequestContext, name: str) -> ModelError:
        return model_error(
            ctx.region,
            ctx.account,
            name,
            0,
            "Your invocation timed out while waiting for a response from container primary. "
            "Review the latency metrics for each container in Amazon CloudWatch, resolve the "
            "issue, and try again.",
        )


__all__ = ["ModelError", "SageMakerRuntimeService"]
