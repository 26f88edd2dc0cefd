"""A build's log, streamed live to CloudWatch Logs in small batches.

Lines are stamped when they are produced and sent by one flusher task, through the
logs service's :meth:`~irisops.services.logs.service.LogsService.append` (which creates
the group and stream on first use), so a reader following GetLogEvents sees a running
build's output within a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from irisops.core.clock import epoch_ms

log = logging.getLogger("irisops.codebuild")

FLUSH_INTERVAL_S = 0.25
BATCH_LINES = 200
MAX_LINE_CHARS = 64 * 1024


def container_line(message: str) -> str:
    """A line as CodeBuild's agent writes it: ``[Container] 2024/01/01 00:00:00.000000 ...``."""
    stamp = datetime.now(UTC).strftime("%Y/%m/%d %H:%M:%S.%f")
    return f"[Container] {stamp} {message}"


class LogSink:
    def __init__(self, logs: Any, account: str, region: str, group: str, stream: str) -> None:
        self.logs = logs
        self.account = account
        self.region = region
        self.group = group
        self.stream = stream
        self._pending: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_ms = 0
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"codebuild-log-{self.stream}")

    def line(self, text: str) -> None:
        """Queue one line of output."""
        now = max(epoch_ms(), self._last_ms)
        self._last_ms = now
        self._pending.append((now, text[:MAX_LINE_CHARS] or " "))
        if len(self._pending) >= BATCH_LINES:
            self._wake.set()

    def agent(self, message: str) -> None:
        """Queue a ``[Container]`` line of the build agent."""
        self.line(container_line(message))

    async def flush(self, *, create: bool = False) -> None:
        """Write the queued lines; with ``create``, make the group and stream exist even
        when no line is queued."""
        batch, self._pending = self._pending, []
        if (not batch and not create) or self.logs is None:
            return
        try:
            await self.logs.append(self.account, self.region, self.group, self.stream, batch)
        except Exception:
            log.exception("writing build log %s/%s failed", self.group, self.stream)

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL_S)
            self._wake.clear()
            await self.flush()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
