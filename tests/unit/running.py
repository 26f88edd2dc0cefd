"""A service on a real store and data dir, without a server: what unit tests run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from irisops.config import Config
from irisops.core.events import EventBus
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.services.base import Service

S = TypeVar("S", bound=Service)


@asynccontextmanager
async def running_service(cls: type[S], data_dir: Path, **config: Any) -> AsyncIterator[S]:
    """``cls`` started on ``data_dir`` (fsync off unless asked), stopped afterwards."""
    store = Store(data_dir / "state.db", fsync=False)
    settings = {"fsync": False, **config}
    runtime = Runtime(
        config=Config(data_dir=data_dir, **settings),
        store=store,
        bus=EventBus(),
        data_dir=data_dir,
    )
    service = cls(runtime)
    store.add_schema(service.schema)
    await store.open()
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
        await store.close()
