"""The owner of every running SageMaker job: one asyncio task per job (by ARN),
cancelled at stop."""

from __future__ import annotations

import asyncio
import contextlib

from irisops.engines.sagemaker.job_container import JobContainer
from irisops.engines.sagemaker.job_runner import JobRunner


class JobSupervisor:
    def __init__(self) -> None:
        self._runners: dict[str, JobRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def launch(self, runner: JobRunner, attach: list[JobContainer] | None = None) -> None:
        arn = runner.job.arn
        task = asyncio.create_task(runner.run(attach), name=f"sagemaker-{runner.job.name}")
        self._runners[arn] = runner
        self._tasks[arn] = task
        task.add_done_callback(lambda _: self._forget(arn, task))

    def _forget(self, arn: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(arn) is task:
            self._runners.pop(arn, None)
            self._tasks.pop(arn, None)

    def runner(self, arn: str) -> JobRunner | None:
        return self._runners.get(arn)

    async def stop_job(self, arn: str, reason: str = "Stopped") -> bool:
        """Record Stopping and start terminating; False when no runner owns the job."""
        runner = self._runners.get(arn)
        if runner is None:
            return False
        await runner.request_stop(reason)
        return True

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
