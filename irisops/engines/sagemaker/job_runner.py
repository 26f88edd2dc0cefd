"""What every SageMaker job does around its containers: prepare (image, inputs,
config), run one container per instance (``algo-1`` .. ``algo-N``) with each one's log
streamed live to CloudWatch Logs, stop them on request or when the maximum runtime
passes (SIGTERM, grace, SIGKILL), finish from their exit statuses, and re-attach to the
containers a killed server left running.

Subclasses (:mod:`.job_training`, :mod:`.job_processing`) say what to stage, what to
run, which statuses to record and what to upload. ``save(doc, container_ids)``
persists the job's document and then publishes its state change.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.engines.codebuild.logsink import LogSink
from irisops.engines.sagemaker.job_container import (
    DEFAULT_GRACE_S,
    ContainerError,
    ContainerSpec,
    JobContainer,
)

log = logging.getLogger("irisops.sagemaker")

#: ``save(doc, container ids joined by ",")``
Save = Callable[[dict[str, Any], str | None], Awaitable[None]]
#: How long the log streams may lag behind the containers' exit.
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
    #: Whether a restarted server takes over the job's still-running containers.
    reattachable = True

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        self.job = job
        self.doc = doc
        self.sinks = [
            LogSink(job.logs, job.account, job.region, self.log_group, self.log_stream(host))
            for host in range(1, self.instance_count() + 1)
        ]
        self.containers: list[JobContainer] = []
        self.stop_reason: str | None = None
        self.done = asyncio.Event()
        self._terminator: asyncio.Task[None] | None = None
        self._deadline: asyncio.Task[None] | None = None

    # -- what subclasses provide --------------------------------------------------------

    def instance_count(self) -> int:
        return 1

    def log_stream(self, host: int) -> str:
        """``<job>/algo-N-<epoch>``: stable for the job's life (from its CreationTime)."""
        return f"{self.job.name}/algo-{host}-{int(self.doc['CreationTime'])}"

    async def prepare(self) -> list[ContainerSpec] | None:
        """Stage everything; the containers to run (algo-1 first), None when the job
        already ended."""
        raise NotImplementedError

    async def started(self) -> None:
        """The containers are running."""

    async def record_stopping(self) -> None:
        raise NotImplementedError

    async def finish(self, exit_codes: list[int]) -> None:
        raise NotImplementedError

    async def end_stopped(self) -> None:
        """Stopped before a container ran."""
        raise NotImplementedError

    async def fail(self, reason: str) -> None:
        raise NotImplementedError

    async def cleanup(self) -> None:
        """After the containers are removed: the job's network, if it has one."""
        await self._remove_network()

    async def _remove_network(self) -> None:
        if self.instance_count() < 2 or self.job.docker is None:
            return
        with contextlib.suppress(Exception):
            network = await self.job.docker.client.networks.get(self.network_name)
            await network.delete()

    @property
    def network_name(self) -> str:
        """The job's own network when it runs on several instances (a stable name, so
        that a restarted server removes it too)."""
        digest = hashlib.sha1(f"{self.job.docker.owner}|{self.job.arn}".encode()).hexdigest()
        return f"irisops-job-{digest[:16]}"

    async def create_network(self) -> str | None:
        """A network of its own for a job on several instances (hosts reach each other
        by their names, algo-1 .. algo-N); None for one instance."""
        if self.instance_count() < 2:
            return None
        await self._remove_network()
        config = {
            "Name": self.network_name,
            "Driver": "bridge",
            "Labels": self.job.docker.labels(self.job.arn),
        }
        await self.job.docker.client.networks.create(config)
        return self.network_name

    def max_runtime_seconds(self) -> float | None:
        return None

    def started_at(self) -> float:
        return float(self.doc["CreationTime"])

    def on_line(self, host: int, line: str) -> None:
        self.sinks[host - 1].line(line)

    # -- shared -------------------------------------------------------------------------

    async def save(self) -> None:
        ids = ",".join(container.id for container in self.containers)
        await self.job.save(self.doc, ids or None)

    def spec(self, image: str, **fields: Any) -> ContainerSpec:
        kind = self.log_group.rsplit("/", 1)[-1].lower()
        return ContainerSpec(
            name=f"irisops-{kind}-{self.job.name}-{secrets.token_hex(4)}",
            image=image,
            labels=self.job.docker.labels(self.job.arn),
            **fields,
        )

    async def request_stop(self, reason: str) -> None:
        """Record Stopping and terminate the containers (the run ends the job)."""
        if self.done.is_set() or self.stop_reason is not None:
            return
        self.stop_reason = reason
        await self.record_stopping()
        self._terminate()

    def _terminate(self) -> None:
        if self.containers and self._terminator is None:
            self._terminator = asyncio.create_task(self._terminate_all())

    async def _terminate_all(self) -> None:
        await asyncio.gather(
            *(container.terminate(self.job.grace_seconds) for container in self.containers)
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

    async def run(self, attach: list[JobContainer] | None = None) -> None:
        for sink in self.sinks:
            sink.start()
        try:
            await self._run(attach)
        except asyncio.CancelledError:
            await self.fail("InternalServerError: irisops stopped while the job was running")
            raise
        except Exception as exc:
            log.exception("job %s failed unexpectedly", self.job.arn)
            await self.fail(f"InternalServerError: irisops failed running the job: {exc}")
        finally:
            # Finish tearing down even when cancelled (reset, shutdown) halfway through.
            teardown = asyncio.ensure_future(self._teardown())
            try:
                await asyncio.shield(teardown)
            except asyncio.CancelledError:
                await teardown
                raise

    async def _teardown(self) -> None:
        for task in (self._deadline, self._terminator):
            if task is not None:
                task.cancel()
        for container in self.containers:
            await container.remove()
        await self.cleanup()
        for sink in self.sinks:
            await sink.close()
        self.done.set()

    async def _run(self, attach: list[JobContainer] | None) -> None:
        since = 0.0
        if attach is None:
            self._arm_deadline()
            specs = await self.prepare()
            if specs is None:
                return
            if self.stop_reason is not None:
                await self.end_stopped()
                return
            try:
                for spec in specs:
                    self.containers.append(await JobContainer.run(self.job.docker, spec))
            except ContainerError as exc:
                await self.fail(f"ClientError: {exc}")
                return
            if self.stop_reason is None:
                await self.started()
        else:
            self.containers = list(attach)
            since = await self._logged_until()
            self._arm_deadline()
        if self.stop_reason is not None:
            self._terminate()
        codes = await self._wait(since)
        for sink in self.sinks:  # the whole log is stored before the job says it ended
            await sink.flush()
        await self.finish(codes)

    async def _logged_until(self) -> float:
        """When the last line logged before a restart was written (so that a
        re-attached container's log goes on where it stopped)."""
        logs = self.job.logs
        last = float(self.doc.get("LastModifiedTime") or time.time())
        if logs is None:
            return last
        ctx = RequestContext(
            service="logs", operation="DescribeLogStreams",
            account=self.job.account, region=self.job.region,
        )  # fmt: skip
        try:
            found = await logs.describe_log_streams(
                ctx, {"logGroupName": self.log_group, "logStreamNamePrefix": f"{self.job.name}/"}
            )
        except AwsError:
            return last
        stamps = [
            s["lastEventTimestamp"] for s in found["logStreams"] if s.get("lastEventTimestamp")
        ]
        return max(stamps) / 1000 if stamps else last

    async def _wait(self, since: float) -> list[int]:
        """Every container's exit status; the first one to fail stops the others."""
        followers = [
            asyncio.create_task(
                container.follow_log(lambda line, h=host: self.on_line(h, line), since)
            )
            for host, container in enumerate(self.containers, start=1)
        ]
        waits = [asyncio.create_task(container.wait()) for container in self.containers]
        try:
            pending = set(waits)
            while pending:
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if pending and any(task.result() != 0 for task in finished):
                    self._terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*followers), LOG_DRAIN_S)
        finally:
            for task in (*followers, *waits):
                task.cancel()
        if self._terminator is not None:
            with contextlib.suppress(Exception):
                await self._terminator
        if self._deadline is not None:
            self._deadline.cancel()
        return [task.result() for task in waits]
