"""The aiohttp application: one port for every API irisops serves.

``/_irisops/...`` is irisops' own API; everything else is an AWS API call, routed by the
dispatcher. The runtime (store, bus) and the services are opened and closed in the app's
``cleanup_ctx``, so their lifetime is the app's.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Sequence

import botocore.session
from aiohttp import web

from irisops.config import Config
from irisops.core.events import EventBus
from irisops.core.files import remove_temp_files
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.engines.docker import DockerEngine
from irisops.gateway.dispatch import Dispatcher
from irisops.gateway.internal import InternalApi
from irisops.gateway.routing import Router
from irisops.services.base import Service
from irisops.services.registry import service_classes

log = logging.getLogger("irisops")

RUNTIME = web.AppKey("runtime", Runtime)
SERVICES = web.AppKey("services", dict)
FAST_ROUTES = web.AppKey("fast_routes", list)


def make_app(config: Config, services: Sequence[type[Service]] | None = None) -> web.Application:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(config.data_dir / "state.db", fsync=config.fsync)
    docker = DockerEngine(owner=str(config.data_dir))
    runtime = Runtime(
        config=config, store=store, bus=EventBus(), data_dir=config.data_dir, docker=docker
    )
    instances: dict[str, Service] = {}
    for cls in services if services is not None else service_classes(config.services):
        service = cls(runtime)
        instances[cls.name] = service
        if cls.schema:
            store.add_schema(cls.schema)
    runtime.services = instances

    session = botocore.session.get_session()
    models = {name: session.get_service_model(name) for name in instances}
    dispatcher = Dispatcher(Router(runtime, instances, models))

    app = web.Application(client_max_size=config.max_request_bytes)
    app[RUNTIME] = runtime
    app[SERVICES] = instances

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        remove_temp_files(config.data_dir)
        await store.open()
        started: list[Service] = []
        try:
            for service in instances.values():
                await service.start()
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                try:
                    await service.stop()
                except Exception:
                    log.exception("stopping %s failed", service.name)
            runtime.bus.close()
            await docker.remove_owned()
            await docker.close()
            await store.close()
            if config.ephemeral:
                shutil.rmtree(config.data_dir, ignore_errors=True)

    async def end_event_streams(app: web.Application) -> None:
        runtime.bus.close()  # long-lived /_irisops/events responses end here

    app.cleanup_ctx.append(lifetime)
    app.on_shutdown.append(end_event_streams)
    InternalApi(runtime, instances, docker).add_routes(app)
    app[FAST_ROUTES] = []
    for service in instances.values():
        service.add_routes(app)
        app[FAST_ROUTES].extend(service.fast_routes())
    app.router.add_route("*", "/{tail:.*}", dispatcher.handle)
    return app
