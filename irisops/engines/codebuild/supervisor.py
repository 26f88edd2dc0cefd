"""The owner of every running build: one asyncio task per build, cancelled at stop."""

from __future__ import annotations

import asyncio
import contextlib

from irisops.engines.codebuild.runner import BuildRunner


class BuildSupervisor:
    def __init__(self) -> None:
        self._runners: dict[str, BuildRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def launch(self, runner: BuildRunner) -> None:
        build_id = runner.plan.build_id
        task = asyncio.create_task(runner.run(), name=f"codebuild-{build_id}")
        self._runners[build_id] = runner
        self._tasks[build_id] = task
        task.add_done_callback(lambda _: self._forget(build_id))

    def _forget(self, build_id: str) -> None:
        self._runners.pop(build_id, None)
        self._tasks.pop(build_id, None)

    def runner(self, build_id: str) -> BuildRunner | None:
        return self._runners.get(build_id)

    async def stop_build(self, build_id: str, wait_seconds: float = 10.0) -> None:
        """Kill the build's processes and give the runner a moment to record STOPPED."""
        runner = self._runners.get(build_id)
        if runner is None:
            return
        runner.request_stop("STOPPED")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runner.done.wait(), wait_seconds)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
