"""``/_irisops/``: health, the state snapshot, the event stream and reset."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from irisops import __version__
from irisops.core.events import Event, Subscription
from irisops.core.runtime import Runtime
from irisops.engines.docker import DockerEngine
from irisops.services.base import Service

log = logging.getLogger("irisops.internal")

HEARTBEAT_SECONDS = 15.0


class InternalApi:
    def __init__(
        self, runtime: Runtime, services: dict[str, Service], docker: DockerEngine
    ) -> None:
        self.runtime = runtime
        self.services = services
        self.docker = docker

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/_irisops/health", self.health)
        app.router.add_get("/_irisops/state", self.state)
        app.router.add_get("/_irisops/events", self.events)
        app.router.add_post("/_irisops/reset", self.reset)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "version": __version__,
                "data_dir": str(self.runtime.data_dir),
                "region": self.runtime.config.region,
                "services": sorted(self.services),
                "docker": await self.docker.status(),
            }
        )

    async def state(self, request: web.Request) -> web.Response:
        snapshot: dict[str, Any] = {"version": __version__, "services": {}}
        for name, service in self.services.items():
            snapshot["services"][name] = service.snapshot()
        return web.json_response(snapshot)

    async def reset(self, request: web.Request) -> web.Response:
        # Reverse start order: services that depend on others go first.
        for service in reversed(list(self.services.values())):
            await service.reset()
        await self.docker.remove_owned()
        self.runtime.bus.publish("irisops.Reset", service="irisops")
        return web.json_response({"reset": True})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events, one JSON object per state change.

        ``?service=s3&type=s3.Object`` keep only events of that service and whose type
        starts with that prefix.
        """
        services = set(filter(None, request.query.get("service", "").split(",")))
        type_prefix = request.query.get("type", "")

        def wanted(event: Event) -> bool:
            return (not services or event.service in services) and event.type.startswith(
                type_prefix
            )

        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        try:
            # Subscribe before the banner: a client that acts once it sees the banner
            # must not miss the events its action causes.
            with self.runtime.bus.subscribe(predicate=wanted) as subscription:
                await response.write(b": irisops events\n\n")
                await self._stream(response, subscription)
        except ConnectionResetError:
            pass  # the client went away
        return response

    async def _stream(self, response: web.StreamResponse, subscription: Subscription) -> None:
        while True:
            try:
                event = await asyncio.wait_for(subscription.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if event is None:
                if subscription.overflowed:
                    await response.write(b"event: overflow\ndata: {}\n\n")
                return
            payload = json.dumps(event.to_json(), default=str)
            await response.write(f"id: {event.seq}\ndata: {payload}\n\n".encode())
