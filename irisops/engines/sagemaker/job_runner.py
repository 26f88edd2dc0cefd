"""What every SageMaker job does around its container: prepare (image, inputs,
config), run it with its log streamed live to CloudWatch Logs, stop it on request or
when its maximum runtime passes (SIGTERM, grace, SIGKILL), finish from its exit status,
and re-attach to a container a killed server left running.

Subclasses (:mod:`.job_training`, :mod:`.job_processing`) say what to stage, what to
run, which statuses to record and what to upload. ``save(doc, container_id)`` persists
the job's document and then publishes its state change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from irisops.engines.codebuild.logsink import LogSink
from irisops.engines.sagemaker.job_container import (
    DEFAULT_GRACE_S,
    ContainerError,
    ContainerSpec,
    JobContainer,
)

log = logging.getLogger("irisops.sagemaker")

Save = Callable[[dict[str, Any], str | None], Awaitable[None]]
#: How long the log stream may lag behind the container's exit.
LOG_DRAIN_S = 5.0


@dataclass
class JobContext:
    """Where a job runs and what it may use."""

    arn: str
    name: str
    account: str
    region: str
    job_dir: Path
    runtime: Any
    save: Save
    grace_seconds: float = DEFAULT_GRACE_S

    @property
    def docker(self) -> Any:
        return self.runtime.docker

    @property
    def s3(self) -> Any:
        return self.runtime.services["s3"]

    @property
    def logs(self) -> Any:
        return self.runtime.services.get("logs")


class JobRunner:
    #: CloudWatch Logs group of the job's container output.
    log_group = ""

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        self.job = job
        self.doc = doc
        self.sink = LogSink(job.logs, job.account, job.region, self.log_group, self.log_stream)
        self.container: JobContainer | None = None
        self.stop_reason: str | None = None
        self.done = asyncio.Event()
        self._terminator: asyncio.Task[None] | None = None
        self._deadline: asyncio.Task[None] | None = None

    # -- what subclasses provide --------------------------------------------------------

    @property
    def log_stream(self) -> str:
        """``<job>/algo-1-<epoch>``: stable for the job's life (from its CreationTime)."""
        return f"{self.job.name}/algo-1-{int(self.doc['CreationTime'])}"

    async def prepare(self) -> ContainerSpec | None:
        """Stage everything; the container to run, None when the job already ended."""
        raise NotImplementedError

    async def started(self) -> None:
        """The container is running."""

    async def record_stopping(self) -> None:
        raise NotImplementedError

    async def finish(self, exit_code: int) -> None:
        raise NotImplementedError

    async def end_stopped(self) -> None:
        """Stopped before a container ran."""
        raise NotImplementedError

    async def fail(self, reason: str) -> None:
        raise NotImplementedError

    def max_runtime_seconds(self) -> float | None:
        return None

    def started_at(self) -> float:
        return float(self.doc["CreationTime"])

    def on_line(self, line: str) -> None:
        self.sink.line(line)

    # -- shared -------------------------------------------------------------------------

    async def save(self) -> None:
        await self.job.save(self.doc, self.container.id if self.container else None)

    def spec(self, image: str, **fields: Any) -> ContainerSpec:
        kind = self.log_group.rsplit("/", 1)[-1].lower()
        return ContainerSpec(
            name=f"irisops-{kind}-{self.job.name}-{secrets.token_hex(4)}",
            image=image,
            labels=self.job.docker.labels(self.job.arn),
            **fields,
        )

    async def request_stop(self, reason: str) -> None:
        """Record Stopping and terminate the container (the run ends the job)."""
        if self.done.is_set() or self.stop_reason is not None:
            return
        self.stop_reason = reason
        await self.record_stopping()
        self._terminate()

    def _terminate(self) -> None:
        if self.container is not None and self._terminator is None:
            self._terminator = asyncio.create_task(
                self.container.terminate(self.job.grace_seconds), name=f"stop-{self.job.name}"
            )

    def _arm_deadline(self) -> None:
        limit = self.max_runtime_seconds()
        if limit is None:
            return
        remaining = limit - (time.time() - self.started_at())

        async def expire() -> None:
            await asyncio.sleep(max(remaining, 0))
            await self.request_stop("MaxRuntimeExceeded")

        self._deadline = asyncio.create_task(expire(), name=f"deadline-{self.job.name}")

    async def run(self, attach: JobContainer | None = None) -> None:
        self.sink.start()
        try:
            await self._run(attach)
        except asyncio.CancelledError:
            await self.fail("InternalServerError: irisops stopped while the job was running")
            raise
        except Exception as exc:
            log.exception("job %s failed unexpectedly", self.job.arn)
            await self.fail(f"InternalServerError: irisops failed running the job: {exc}")
        finally:
            for task in (self._deadline, self._terminator):
                if task is not None:
                    task.cancel()
            if self.container is not None:
                await self.container.remove()
            await self.sink.close()
            self.done.set()

    async def _run(self, attach: JobContainer | None) -> None:
        since = 0
        if attach is None:
            self._arm_deadline()
            spec = await self.prepare()
            if spec is None:
                return
            if self.stop_reason is not None:
                await self.end_stopped()
                return
            try:
                self.container = await JobContainer.run(self.job.docker, spec)
            except ContainerError as exc:
                await self.fail(f"ClientError: {exc}")
                return
            if self.stop_reason is None:
                await self.started()
        else:
            self.container = attach
            since = int(time.time())
            self._arm_deadline()
        if self.stop_reason is not None:
            self._terminate()
        code = await self._wait(self.container, since)
        await self.finish(code)

    async def _wait(self, container: JobContainer, since: int) -> int:
        follower = asyncio.create_task(container.follow_log(self.on_line, since))
        try:
            code = await container.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(follower), LOG_DRAIN_S)
        finally:
            follower.cancel()
        if self._terminator is not None:
            with contextlib.suppress(Exception):
                await self._terminator
        if self._deadline is not None:
            self._deadline.cancel()
        return code
