"""One endpoint instance: a container of the variant's image running ``serve``, its
model at ``/opt/ml/model``, port 8080 published on 127.0.0.1, its log in CloudWatch
Logs, and a keep-alive connection pool the Runtime proxy sends invocations through
(:class:`~irisops.engines.sagemaker.endpoint_http.InstanceClient`).

An instance of a multi-container model runs one container per model container: the
first is the :class:`Instance` the fleet routes to, the others its ``siblings``; each
listens on the port SageMaker tells it in ``SAGEMAKER_BIND_TO_PORT`` when its image
accepts that, and :func:`invoke_parts` sends an invocation through them (``Serial``:
each answer is the next one's request) or to the one named (``Direct``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiodocker.containers import DockerContainer

from irisops.engines.codebuild.logsink import LogSink
from irisops.engines.sagemaker.endpoint_http import Answer, InstanceClient
from irisops.engines.sagemaker.endpoint_routing import DIRECT, choose_container

log = logging.getLogger("irisops.sagemaker.endpoints")

VARIANT_LABEL = "irisops.sagemaker.variant"
INSTANCE_LABEL = "irisops.sagemaker.instance"
DEPLOYMENT_LABEL = "irisops.sagemaker.deployment"
#: On the containers of a multi-container instance: its ContainerHostname and its port.
CONTAINER_LABEL = "irisops.sagemaker.container"
PORT_LABEL = "irisops.sagemaker.port"
PORT = "8080/tcp"
DOCKER_TIMEOUT_S = 60
PING_TIMEOUT_S = 2.0
PING_INTERVAL_S = 0.05
STOP_GRACE_S = 30
FAILURE_LOG_LINES = 10


class InstanceFailed(Exception):
    """An instance could not start or never became healthy; the message says why."""


def new_instance_id() -> str:
    return "i-" + secrets.token_hex(9)[:17]


def log_group(endpoint_name: str) -> str:
    return f"/aws/sagemaker/Endpoints/{endpoint_name}"


@dataclass
class Instance:
    variant: str
    instance_id: str
    container: DockerContainer
    host_port: int
    model_dir: Path | None
    sink: LogSink | None = None
    log_task: asyncio.Task[None] | None = None
    _client: InstanceClient | None = field(default=None, repr=False)
    #: The model container's ContainerHostname; None when the model has one container.
    hostname: str | None = None
    #: How a multi-container instance is invoked (``Serial`` or ``Direct``), or None.
    mode: str | None = None
    #: The instance's other containers, in the model's order (on the first one only).
    siblings: list[Instance] = field(default_factory=list, repr=False)

    @property
    def parts(self) -> list[Instance]:
        """Every container of the instance, the model's first container first."""
        return [self, *self.siblings]

    @property
    def name(self) -> str:
        """How SageMaker names the container in its messages."""
        return self.hostname or "primary"

    @property
    def log_stream(self) -> str:
        """``<variant>/<instance-id>``, with ``/<ContainerHostname>`` in a pipeline."""
        stream = f"{self.variant}/{self.instance_id}"
        return f"{stream}/{self.hostname}" if self.hostname else stream

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.host_port}"

    @property
    def client(self) -> InstanceClient:
        """The instance's connection pool (keep-alive), opened on first use."""
        if self._client is None:
            self._client = InstanceClient(self.host_port)
        return self._client

    async def close(self) -> None:
        """Stop following the log and close the pool (the container is left alone)."""
        if self.log_task is not None:
            self.log_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.log_task
            self.log_task = None
        if self.sink is not None:
            await self.sink.close()
            self.sink = None
        if self._client is not None:
            self._client.close()
            self._client = None


def container_config(
    image: str,
    environment: dict[str, str],
    model_dir: Path | None,
    labels: dict[str, str],
    port: str = PORT,
) -> dict[str, Any]:
    binds = [f"{model_dir}:/opt/ml/model:ro"] if model_dir is not None else []
    return {
        "Image": image,
        "Cmd": ["serve"],
        "Env": [f"{key}={value}" for key, value in environment.items()],
        "Labels": labels,
        "ExposedPorts": {port: {}},
        "HostConfig": {
            "PortBindings": {port: [{"HostIp": "127.0.0.1", "HostPort": ""}]},
            "Binds": binds,
        },
    }


def published_port(info: dict[str, Any], port: str = PORT) -> int | None:
    for binding in ((info.get("NetworkSettings") or {}).get("Ports") or {}).get(port) or []:
        if binding.get("HostIp") == "127.0.0.1" and binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


async def last_log_lines(container: DockerContainer, lines: int = FAILURE_LOG_LINES) -> str:
    try:
        out = await asyncio.wait_for(
            container.log(stdout=True, stderr=True, tail=lines), DOCKER_TIMEOUT_S
        )
    except Exception as exc:
        return f"(container log unavailable: {exc})"
    return "".join(out).strip()


def follow_log(
    instance: Instance, logs: Any, account: str, region: str, endpoint: str, since: int = 0
) -> None:
    """Stream the container's output to ``/aws/sagemaker/Endpoints/<ep>``,
    ``<variant>/<instance-id>``."""
    if logs is None:
        return
    sink = LogSink(logs, account, region, log_group(endpoint), instance.log_stream)
    sink.start()
    instance.sink = sink

    async def pump() -> None:
        partial = ""
        try:
            stream = instance.container.log(stdout=True, stderr=True, follow=True, since=since)
            async for chunk in stream:
                partial += chunk
                *lines, partial = partial.split("\n")
                for line in lines:
                    sink.line(line)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("log of %s ended: %r", instance.instance_id, exc)
        if partial:
            sink.line(partial)

    instance.log_task = asyncio.create_task(pump(), name=f"endpoint-log-{instance.instance_id}")


async def start_container(
    docker: Any, name: str, config: dict[str, Any], port: str = PORT
) -> tuple[DockerContainer, int]:
    """Create and start a container; it and its published host port."""
    try:
        container = await asyncio.wait_for(
            docker.client.containers.create(config, name=name), DOCKER_TIMEOUT_S
        )
    except Exception as exc:
        raise InstanceFailed(f"could not create the container: {exc}") from exc
    try:
        await asyncio.wait_for(container.start(), DOCKER_TIMEOUT_S)
        info = await asyncio.wait_for(container.show(), DOCKER_TIMEOUT_S)
    except Exception as exc:
        await remove_container(container)
        raise InstanceFailed(f"could not start the container: {exc}") from exc
    host_port = published_port(info, port)
    if host_port is None:
        reason = await last_log_lines(container)
        await remove_container(container)
        raise InstanceFailed(f"the container exited at once. Last log lines: {reason}")
    return container, host_port


async def wait_healthy(
    instance: Instance,
    http: aiohttp.ClientSession,
    deadline_s: float,
    until: float | None = None,
) -> None:
    """Poll ``GET /ping`` until it answers 200; InstanceFailed when the container
    exits or the deadline passes (``deadline_s`` from now, or the loop time ``until``
    that the instance's containers share), quoting its last log lines."""
    role = f"container {instance.hostname}" if instance.hostname else "primary container"
    loop = asyncio.get_running_loop()
    deadline = until if until is not None else loop.time() + deadline_s
    timeout = aiohttp.ClientTimeout(total=PING_TIMEOUT_S)
    checks = 0
    last = "no answer"
    while True:
        try:
            async with http.get(f"{instance.url}/ping", timeout=timeout) as resp:
                await resp.read()
                if resp.status == 200:
                    return
                last = f"/ping answered {resp.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            last = f"/ping failed: {type(exc).__name__}"
        checks += 1
        if checks % 5 == 1:
            state = await container_state(instance.container)
            if state is not None and not state.get("Running"):
                logs = await last_log_lines(instance.container)
                raise InstanceFailed(
                    f"The {role} for production variant {instance.variant} exited "
                    f"with code {state.get('ExitCode')} before passing the ping health "
                    f"check. Last log lines: {logs}"
                )
        if loop.time() > deadline:
            logs = await last_log_lines(instance.container)
            raise InstanceFailed(
                f"The {role} for production variant {instance.variant} did not "
                f"pass the ping health check within {deadline_s:g} seconds ({last}). "
                f"Last log lines: {logs}"
            )
        await asyncio.sleep(PING_INTERVAL_S)


async def container_state(container: DockerContainer) -> dict[str, Any] | None:
    """The container's State, {"Running": False} when it is gone, None when the engine
    does not answer."""
    try:
        info = await asyncio.wait_for(container.show(), DOCKER_TIMEOUT_S)
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            return {"Running": False, "ExitCode": None}
        return None
    state: dict[str, Any] = info.get("State") or {}
    return state


async def remove_container(container: DockerContainer, grace_s: int = 0) -> None:
    with contextlib.suppress(Exception):
        if grace_s:
            await asyncio.wait_for(container.stop(t=grace_s), grace_s + DOCKER_TIMEOUT_S)
    try:
        await asyncio.wait_for(container.delete(force=True), DOCKER_TIMEOUT_S)
    except Exception as exc:
        log.warning("removing container %s failed: %r", container.id[:12], exc)


async def discard(instance: Instance, grace_s: int = 0) -> None:
    """Close the instance and remove its containers and model dirs (each container is
    removed even when closing its log follower or pool fails)."""

    async def one(part: Instance) -> None:
        try:
            await part.close()
        finally:
            await remove_container(part.container, grace_s)

    await asyncio.gather(*(one(part) for part in instance.parts), return_exceptions=True)
    for folder in {part.model_dir.parent for part in instance.parts if part.model_dir}:
        await asyncio.to_thread(shutil.rmtree, folder, True)


async def post_serial(
    chain: list[tuple[str, InstanceClient]], headers: dict[str, str], body: bytes, deadline_s: float
) -> tuple[Answer, str]:
    """``POST /invocations`` through an inference pipeline: the body to the first
    container, each answer (with its Content-Type) to the next, within one deadline.
    The last answer, or the first error answer, and the name of the container that gave
    it."""
    if len(chain) == 1:
        name, client = chain[0]
        return await client.post("/invocations", headers, body, deadline_s), name
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    step = dict(headers)
    for name, client in chain:
        answer = await client.post("/invocations", step, body, max(deadline - loop.time(), 0.001))
        if answer.status >= 300:
            return answer, name
        body = answer.body
        step["Content-Type"] = answer.headers.get("content-type", "application/octet-stream")
    return answer, chain[-1][0]


async def invoke_parts(
    instance: Instance, target: str | None, headers: dict[str, str], body: bytes, deadline_s: float
) -> tuple[Answer, Instance]:
    """An invocation of a multi-container instance (or one naming a container): the
    answer and the container that gave it. ``Direct``: the container ``target`` names;
    ``Serial``: through every container in turn (:func:`post_serial`)."""
    part = choose_container(instance.parts, instance.mode, target)
    if instance.mode == DIRECT or not instance.siblings:
        return await part.client.post("/invocations", headers, body, deadline_s), part
    parts = {p.name: p for p in instance.parts}
    answer, name = await post_serial(
        [(p.name, p.client) for p in instance.parts], headers, body, deadline_s
    )
    return answer, parts[name]
