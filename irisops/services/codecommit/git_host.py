"""The repositories as the git smart HTTP bridge sees them."""

from __future__ import annotations

import asyncio

from aiohttp import web

from irisops.engines.git.refs import RefChange
from irisops.engines.git.smart_http import GitTarget, SmartHttpBridge
from irisops.services.codecommit.access import VIA_PUSH, RepositoryAccess
from irisops.services.codecommit.lookups import repository_for_git


class GitHostOperations(RepositoryAccess):
    """Resolves clone URLs to repositories and records what pushes change."""

    bridge: SmartHttpBridge | None = None

    def add_routes(self, app: web.Application) -> None:
        self.bridge = SmartHttpBridge(self)
        self.bridge.add_routes(app)

    def locate(self, name: str) -> GitTarget | None:
        row = repository_for_git(self.store, self.config.account, self.config.region, name)
        if row is None:
            return None
        return GitTarget(self.files.path(row["id"]), row["id"])

    def push_lock(self, target: GitTarget) -> asyncio.Lock:
        return self.lock(target.key)

    async def pushed(self, target: GitTarget, changes: list[RefChange]) -> None:
        await self.record_changes(target.key, changes, VIA_PUSH)
