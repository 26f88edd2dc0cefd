"""The objects one running server shares: config, store, event bus, data paths.

Everything hangs off one :class:`Runtime` owned by the aiohttp app (never module
globals), so several servers can run in one process, as tests do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irisops.config import Config
from irisops.core.events import EventBus
from irisops.core.store import Store

if TYPE_CHECKING:
    from irisops.engines.docker import DockerEngine


@dataclass
class Runtime:
    config: Config
    store: Store
    bus: EventBus
    data_dir: Path
    #: Map an access key id to its account (IAM user keys, STS session credentials);
    #: the first resolver that answers wins.
    account_resolvers: list[Callable[[str], str | None]] = field(default_factory=list)
    #: The running services by botocore name, so one service can read another's state.
    services: dict[str, Any] = field(default_factory=dict)
    #: The Docker engine client shared by every service (opened on first use).
    docker: DockerEngine | None = None

    def resolve_account(self, access_key_id: str) -> str | None:
        for resolver in self.account_resolvers:
            account = resolver(access_key_id)
            if account:
                return account
        return None

    def blob_dir(self, *parts: str) -> Path:
        """A directory for a service's files under the data dir (created on demand)."""
        path = self.data_dir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path
