"""What running actions wait for: approval decisions and the end of CodeBuild builds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from irisops.engines.codepipeline.actions.base import ActionFailed

#: A build is re-read this often even without events (a subscription may overflow).
BUILD_POLL_S = 5.0


class ApprovalWaiters:
    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future[tuple[str, str]]] = {}

    def expect(self, action_id: str) -> asyncio.Future[tuple[str, str]]:
        future = asyncio.get_running_loop().create_future()
        self._futures[action_id] = future
        future.add_done_callback(lambda _: self._futures.pop(action_id, None))
        return future

    def decide(self, action_id: str, status: str, summary: str) -> None:
        future = self._futures.get(action_id)
        if future is not None and not future.done():
            future.set_result((status, summary))


class BuildWaiters:
    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def changed(self, build_id: str | None = None) -> None:
        """A build changed (None: any may have; re-read them all)."""
        if build_id is None:
            for event in self._events.values():
                event.set()
        elif event := self._events.get(build_id):
            event.set()

    async def wait_done(
        self, build_id: str, get_build: Callable[[], dict[str, Any] | None]
    ) -> dict[str, Any]:
        event = self._events.setdefault(build_id, asyncio.Event())
        try:
            while True:
                event.clear()
                build = get_build()
                if build is None:
                    raise ActionFailed("JobFailed", f"The build {build_id} does not exist")
                if build.get("buildStatus") not in (None, "IN_PROGRESS"):
                    return build
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), BUILD_POLL_S)
        finally:
            self._events.pop(build_id, None)
