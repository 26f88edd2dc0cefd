"""What every AWS service implementation looks like to the gateway.

A service is a class named for the AWS service, with one ``async`` method per operation,
named as the operation in snake_case (``CreateBucket`` -> ``create_bucket``). A handler
takes the request context and the parsed input -- a dict keyed by the botocore member
names with Python values (str, int, float, bool, ``datetime`` for timestamps, ``bytes``
for blobs, a :class:`~irisops.gateway.body.RequestBody` for a streaming payload) -- and
returns a dict shaped like the operation's output shape. It raises
:class:`~irisops.core.errors.AwsError` for every failure the real service reports.

Operations without a method answer ``501 NotImplemented`` naming the service and
operation.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from irisops.core.context import RequestContext
from irisops.core.runtime import Runtime

if TYPE_CHECKING:
    from aiohttp import web

    from irisops.gateway.fast_lane import FastRoute

Handler = Callable[[RequestContext, dict[str, Any]], Awaitable[dict[str, Any]]]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def handler_name(operation: str) -> str:
    return _CAMEL.sub("_", operation).lower()


class Service:
    #: botocore service name ("s3", "iam", "sts", "logs", ...)
    name: ClassVar[str]
    #: SQL DDL for the service's tables; applied idempotently at start.
    schema: ClassVar[str] = ""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.bus = runtime.bus
        self.config = runtime.config

    #: False when the service's front end checks no enum values (S3): the gateway then
    #: leaves them to :meth:`check_input`.
    validates_enums: ClassVar[bool] = True

    def check_input(self, operation: Any, params: dict[str, Any]) -> None:
        """Service-specific input checks the gateway runs after model validation."""

    def handler(self, operation: str) -> Handler | None:
        fn = getattr(self, handler_name(operation), None)
        return fn if callable(fn) else None

    def add_routes(self, app: web.Application) -> None:
        """Routes of a non-AWS protocol the service speaks on the shared port (git smart
        HTTP, the OCI registry); added before the catch-all AWS route."""

    def fast_routes(self) -> list[FastRoute]:
        """Hot routes served in the gateway's fast lane, below aiohttp
        (:mod:`irisops.gateway.fast_lane`); each needs an aiohttp route from
        :meth:`add_routes` too, for the requests the lane hands over."""
        return []

    async def start(self) -> None:
        """Called once the store is open (reconcile state, clean up after a crash)."""

    async def stop(self) -> None:
        """Called at shutdown, before the store closes."""

    async def reset(self) -> None:
        """Wipe every resource of this service (``POST /_irisops/reset``)."""

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able summary of what the service holds, for ``/_irisops/state``."""
        return {}

    def publish(self, ctx: RequestContext, type: str, resource: str, **detail: Any) -> None:
        """Publish a committed state change on the event bus."""
        self.bus.publish(
            type,
            service=self.name,
            account=ctx.account,
            region=ctx.region,
            resource=resource,
            **detail,
        )
