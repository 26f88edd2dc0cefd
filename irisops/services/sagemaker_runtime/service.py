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
from irisops.core.futures import settler
from irisops.gateway.fast_lane import FastRoute
from irisops.services.base import Service
from irisops.services.sagemaker.resources import resource_arn
from irisops.services.sagemaker_runtime import fast_route
from irisops.services.sagemaker_runtime.errors import (
    ModelError,
    ValidationError,
    endpoint_not_found,
)
from irisops.services.sagemaker_runtime.invocation import (
    INVOCATION_TIMEOUT_S,
    Done,
    Invocation,
)
from irisops.services.sagemaker_runtime.invocation_stats import InvocationStats

RESTORE_POLL_S = 0.05
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
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

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.stats = InvocationStats(runtime.bus)
        self.invocations = fast_route.FastInvocations(self)
        self._waiting: set[asyncio.Task[None]] = set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(fast_route.PATH, self.invocations.handle)

    def fast_routes(self) -> list[FastRoute]:
        return [self.invocations.route()]

    async def start(self) -> None:
        self.stats.start()

    async def stop(self) -> None:
        await self.stats.stop()

    async def reset(self) -> None:
        self.stats.clear()

    def snapshot(self) -> dict[str, Any]:
        supervisor = self.runtime.services["sagemaker"].endpoints
        endpoints: dict[str, Any] = {}
        for arn, counters in self.stats.endpoints.items():
            endpoints[arn] = {**counters.totals(), "Instances": []}
        for arn in supervisor.serving():
            entry = endpoints.setdefault(arn, {"EndpointName": arn.rsplit("/", 1)[1]})
            entry.setdefault("Invocations", 0)
            fleet = supervisor.fleet(arn)
            in_rotation = {
                id(member) for pool in (fleet.variants if fleet else []) for member in pool.members
            }
            entry["Instances"] = [
                {
                    "Variant": instance.variant,
                    "Port": instance.host_port,
                    "Container": instance.container.id[:12],
                    "Healthy": id(instance) in in_rotation,
                }
                for instance in supervisor.instances(arn)
            ]
        return {"endpoints": endpoints}

    def container_headers(self, params: dict[str, Any]) -> dict[str, str]:
        """The headers ``/invocations`` gets from InvokeEndpoint's members."""
        headers = {"Content-Type": params.get("ContentType") or "application/octet-stream"}
        if params.get("Accept"):
            headers["Accept"] = params["Accept"]
        if params.get("CustomAttributes"):
            headers[CUSTOM_ATTRIBUTES] = params["CustomAttributes"]
        for member, header in PASSED_HEADERS.items():
            if params.get(member):
                headers[header] = str(params[member])
        return headers

    def not_serving(self, ctx: RequestContext, name: str, arn: str) -> ValidationError:
        sagemaker = self.runtime.services["sagemaker"]
        row = sagemaker.store.read_one(
            "SELECT status FROM sagemaker_endpoints WHERE arn = ?", (arn,)
        )
        if row is None:
            return endpoint_not_found(name, ctx.account)
        # unconfirmed text: invoking an endpoint that is not InService.
        return ValidationError(f"Endpoint {name} of account {ctx.account} is not in service.")

    @property
    def endpoints(self) -> Any:
        """The SageMaker service's endpoint supervisor (the live fleets)."""
        return self.runtime.services["sagemaker"].endpoints

    def invoke(self, ctx: RequestContext, params: dict[str, Any], done: Done) -> None:
        """Start one InvokeEndpoint; ``done`` gets its output or its error, once."""
        name = params["EndpointName"]
        arn = resource_arn(ctx, "endpoint", name)
        invocation = Invocation(self, ctx, params, arn, done)
        fleet = self.endpoints.fleet(arn)
        if fleet is not None:
            invocation.start(fleet)
            return
        task = asyncio.get_running_loop().create_task(self._after_restore(invocation))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def invoke_endpoint(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.invoke(ctx, params, settler(future))
        return await future

    async def _after_restore(self, invocation: Invocation) -> None:
        try:
            fleet = await self._restored_fleet(self.endpoints, invocation.arn)
        except Exception as exc:
            invocation.done(exc)
            raise
        if fleet is None:
            invocation.done(self.not_serving(invocation.ctx, invocation.name, invocation.arn))
        else:
            invocation.start(fleet)

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


__all__ = ["ModelError", "SageMakerRuntimeService"]
