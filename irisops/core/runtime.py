"""The objects one running server shares: config, store, event bus, data paths.

Everything hangs off one :class:`Runtime` owned by the aiohttp app (never module
globals), so several servers can run in one process, as tests do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from irisops.config import Config
from irisops.core.events import EventBus
from irisops.core.store import Store


@dataclass
class Runtime:
    config: Config
    store: Store
    bus: EventBus
    data_dir: Path

    def blob_dir(self, *parts: str) -> Path:
        """A directory for a service's files under the data dir (created on demand)."""
        path = self.data_dir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path
