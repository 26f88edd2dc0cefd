"""One job container, run through aiodocker: create and start, follow its log, wait
for its exit, stop it with SIGTERM then SIGKILL, re-attach to it after a restart.

Training and processing jobs (and later transform jobs) differ in what they mount and
what they run; this is what they share.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiodocker.containers import DockerContainer
from aiodocker.exceptions import DockerError

log = logging.getLogger("irisops.sagemaker")

DOCKER_TIMEOUT_S = 60.0
#: SageMaker waits 120 s between SIGTERM and SIGKILL; tests shorten it.
DEFAULT_GRACE_S = 120.0
MAX_LINE_CHARS = 64 * 1024


#: CloudWatch Logs keeps event times in milliseconds.
SINCE_RESOLUTION_S = 0.001


def written_at(stamp: str) -> float:
    """Epoch seconds of a docker log timestamp (RFC 3339, nanoseconds); 0 if unreadable."""
    head, dot, tail = stamp.rstrip("Z").partition(".")
    try:
        moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return moment.timestamp() + (float(f"0.{tail}") if dot and tail.isdigit() else 0.0)


class ContainerError(Exception):
    """The engine refused to create or start the container (bad image, bad config)."""


@dataclass
class ContainerSpec:
    name: str
    image: str
    labels: dict[str, str]
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    binds: list[str] = field(default_factory=list)
    hostname: str | None = None
    network: str | None = None
    aliases: list[str] = field(default_factory=list)
    #: Container ports (``"8080/tcp"``) published on 127.0.0.1 at a free host port.
    ports: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "Image": self.image,
            "Env": [f"{key}={value}" for key, value in self.env.items()],
            "Labels": self.labels,
            "HostConfig": {"Binds": self.binds},
        }
        if self.cmd is not None:
            config["Cmd"] = self.cmd
        if self.entrypoint is not None:
            config["Entrypoint"] = self.entrypoint
        if self.ports:
            config["ExposedPorts"] = {port: {} for port in self.ports}
            config["HostConfig"]["PortBindings"] = {
                port: [{"HostIp": "127.0.0.1", "HostPort": ""}] for port in self.ports
            }
        if self.hostname:
            config["Hostname"] = self.hostname
        if self.network:
            config["HostConfig"]["NetworkMode"] = self.network
            config["NetworkingConfig"] = {
                "EndpointsConfig": {self.network: {"Aliases": self.aliases}}
            }
        return config


class JobContainer:
    def __init__(self, docker: Any, container: DockerContainer) -> None:
        self.docker = docker
        self.container = container

    @property
    def id(self) -> str:
        return str(self.container.id)

    @classmethod
    async def run(cls, docker: Any, spec: ContainerSpec) -> JobContainer:
        """Create and start a container; :class:`ContainerError` when the engine refuses."""
        with contextlib.suppress(Exception):
            await docker.client.containers.container(spec.name).delete(force=True)
        try:
            container = await asyncio.wait_for(
                docker.client.containers.create(spec.config(), name=spec.name), DOCKER_TIMEOUT_S
            )
        except DockerError as exc:
            raise ContainerError(exc.message) from exc
        job = cls(docker, container)
        try:
            await asyncio.wait_for(container.start(), DOCKER_TIMEOUT_S)
        except DockerError as exc:
            await job.remove()
            raise ContainerError(exc.message) from exc
        return job

    @classmethod
    async def find(cls, docker: Any, resource_arn: str) -> list[JobContainer]:
        """The containers this server started for ``resource_arn`` (found by label)."""
        found = await docker.owned_containers(resource_arn)
        return [cls(docker, container) for container in found]

    async def running(self) -> bool:
        try:
            info = await asyncio.wait_for(self.container.show(), DOCKER_TIMEOUT_S)
        except DockerError:
            return False
        return bool((info.get("State") or {}).get("Running"))

    async def follow_log(self, on_line: Callable[[str], None], since: float = 0) -> None:
        """Call ``on_line`` for every line of stdout and stderr until the container
        exits. With ``since`` (epoch seconds: a re-attached container) only the lines
        the container wrote after that moment."""
        pending = ""
        params: dict[str, Any] = {"since": int(since), "timestamps": True} if since else {}

        def emit(line: str) -> None:
            line = line.rstrip("\r")
            if since:
                stamp, _, line = line.partition(" ")
                # ``since`` is a log event time, kept to the millisecond: a line written
                # in that millisecond or before it is the one already logged.
                if written_at(stamp) < since + SINCE_RESOLUTION_S:
                    return
            on_line(line[:MAX_LINE_CHARS])

        try:
            stream = self.container.log(stdout=True, stderr=True, follow=True, **params)
            async for chunk in stream:
                pending += chunk
                *lines, pending = pending.split("\n")
                for line in lines:
                    emit(line)
        except DockerError as exc:
            log.debug("log stream of %s ended: %s", self.id[:12], exc)
        if pending:
            emit(pending)

    async def wait(self) -> int:
        """The exit status (waits as long as it takes)."""
        result = await self.container.wait(timeout=None)
        return int(result.get("StatusCode", -1))

    async def terminate(self, grace_seconds: float) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``grace_seconds``."""
        with contextlib.suppress(DockerError):
            await asyncio.wait_for(self.container.kill(signal="SIGTERM"), DOCKER_TIMEOUT_S)
        try:
            await asyncio.wait_for(self.wait(), grace_seconds)
        except (TimeoutError, DockerError):
            with contextlib.suppress(DockerError):
                await asyncio.wait_for(self.container.kill(signal="SIGKILL"), DOCKER_TIMEOUT_S)

    async def remove(self) -> None:
        try:
            await asyncio.wait_for(self.container.delete(force=True), DOCKER_TIMEOUT_S)
        except Exception as exc:  # already gone or no engine: nothing left to remove
            log.debug("removing container %s: %r", self.id[:12], exc)
