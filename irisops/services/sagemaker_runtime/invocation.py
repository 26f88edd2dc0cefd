"""One InvokeEndpoint, callback-style: choose a variant and an instance, write the request
to it, and turn its answer (or failure) into InvokeEndpoint's output or error.

Callbacks rather than a coroutine because this is the path every prediction takes: the
request goes out in the same turn of the event loop that read it, and the answer goes
back in the turn that read the container's answer -- no task and no extra loop turns
per invocation. Only an endpoint that is being restored after a restart is waited for
in a task.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from irisops.core.context import RequestContext
from irisops.engines.sagemaker.endpoint_http import Answer, BadAnswer, InstanceUnreachable
from irisops.engines.sagemaker.endpoint_routing import NoCapacity, NoSuchVariant
from irisops.services.sagemaker_runtime.errors import ModelError, ValidationError, model_error

if TYPE_CHECKING:
    from irisops.services.sagemaker_runtime.service import SageMakerRuntimeService

INVOCATION_TIMEOUT_S = 60.0
CUSTOM_ATTRIBUTES_KEY = "x-amzn-sagemaker-custom-attributes"
#: What an invocation ends with: InvokeEndpoint's output, or the error to answer.
Outcome = dict[str, Any] | BaseException
Done = Callable[[Outcome], None]


class Invocation:
    __slots__ = (
        "arn",
        "attempt",
        "body",
        "ctx",
        "done",
        "fleet",
        "headers",
        "instance",
        "name",
        "service",
        "started",
        "target",
        "variant",
    )

    def __init__(
        self,
        service: SageMakerRuntimeService,
        ctx: RequestContext,
        params: dict[str, Any],
        arn: str,
        done: Done,
    ) -> None:
        self.service = service
        self.ctx = ctx
        self.arn = arn
        self.name: str = params["EndpointName"]
        self.target: str | None = params.get("TargetVariant")
        self.headers = service.container_headers(params)
        self.body: bytes = params.get("Body") or b""
        self.done = done
        self.started = time.perf_counter()
        self.attempt = 0
        self.fleet: Any = None
        self.instance: Any = None
        self.variant: Any = None

    def start(self, fleet: Any) -> None:
        self.fleet = fleet
        self.attempt += 1
        try:
            self.variant, self.instance = fleet.choose(self.target)
        except NoSuchVariant:
            self.done(
                ValidationError(  # unconfirmed text
                    f"Variant {self.target} does not exist on endpoint {self.name} of account "
                    f"{self.ctx.account}."
                )
            )
            return
        except NoCapacity:
            self.done(self.service.not_serving(self.ctx, self.name, self.arn))
            return
        self.instance.client.send(
            "/invocations", self.headers, self.body, INVOCATION_TIMEOUT_S, self.answered
        )

    def answered(self, result: Answer | BaseException) -> None:
        try:
            outcome = self._outcome(result)
        except Exception as exc:  # a bug here must still answer the client
            outcome = exc
        if outcome is None:
            return  # sent again to another instance
        self.service.stats.record(
            self.arn,
            self.name,
            self.ctx.account,
            self.ctx.region,
            time.perf_counter() - self.started,
            isinstance(outcome, ModelError),
        )
        self.done(outcome)

    def _outcome(self, result: Answer | BaseException) -> Outcome | None:
        ctx, name = self.ctx, self.name
        if isinstance(result, Answer):
            if result.status >= 300:
                message = result.body.decode("utf-8", "replace")
                return model_error(ctx.region, ctx.account, name, result.status, message)
            out: dict[str, Any] = {
                "Body": result.body,
                "ContentType": result.headers.get("content-type", "application/octet-stream"),
                "InvokedProductionVariant": self.variant.name,
            }
            if CUSTOM_ATTRIBUTES_KEY in result.headers:
                out["CustomAttributes"] = result.headers[CUSTOM_ATTRIBUTES_KEY]
            return out
        if isinstance(result, TimeoutError):
            return timed_out(ctx, name)
        if isinstance(result, InstanceUnreachable):
            # The container went away between the watcher's checks: try another once.
            self.service.endpoints.instance_failed(self.arn, self.instance)
            if self.attempt == 1:
                self.start(self.fleet)
                return None
            return model_error(ctx.region, ctx.account, name, 0, str(result))
        if isinstance(result, BadAnswer):
            return model_error(ctx.region, ctx.account, name, 0, str(result))
        return result


def timed_out(ctx: RequestContext, name: str) -> ModelError:
    return model_error(
        ctx.region,
        ctx.account,
        name,
        0,
        "Your invocation timed out while waiting for a response from container primary. "
        "Review the latency metrics for each container in Amazon CloudWatch, resolve the "
        "issue, and try again.",
    )
