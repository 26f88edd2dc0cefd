"""One endpoint instance: a container of the variant's image running ``serve``, its
model at ``/opt/ml/model``, port 8080 published on 127.0.0.1, its log in CloudWatch
Logs, and a keep-alive connection pool the Runtime proxy sends invocations through
(:class:`~irisops.engines.sagemaker.endpoint_http.InstanceClient`).
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
from irisops.engines.sagemaker.endpoint_http import InstanceClient

log = logging.getLogger("irisops.sagemaker.endpoints")

VARIANT_LABEL = "irisops.sagemaker.variant"
INSTANCE_LABEL = "irisops.sagemaker.instance"
DEPLOYMENT_LABEL = "irisops.sagemaker.deployment"
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
) -> dict[str, Any]:
    binds = [f"{model_dir}:/opt/ml/model:ro"] if model_dir is not None else []
    return {
        "Image": image,
        "Cmd": ["serve"],
        "Env": [f"{key}={value}" for key, value in environment.items()],
        "Labels": labels,
        "ExposedPorts": {PORT: {}},
        "HostConfig": {
            "PortBindings": {PORT: [{"HostIp": "127.0.0.1", "HostPort": ""}]},
            "Binds": binds,
        },
    }


def published_port(info: dict[str, Any]) -> int | None:
    for binding in ((info.get("NetworkSettings") or {}).get("Ports") or {}).get(PORT) or []:
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
    sink = LogSink(
        logs, account, region, log_group(endpoint), f"{instance.variant}/{instance.instance_id}"
    )
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
    docker: Any, name: str, config: dict[str, Any]
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
    port = published_port(info)
    if port is None:
        reason = await last_log_lines(container)
        await remove_container(container)
        raise InstanceFailed(f"the container exited at once. Last log lines: {reason}")
    return container, port


async def wait_healthy(instance: Instance, http: aiohttp.ClientSession, deadline_s: float) -> None:
    """Poll ``GET /ping`` until it answers 200; InstanceFailed when the container
    exits or the deadline passes, quoting its last log lines."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
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
                    f"The primary container for production variant {instance.variant} exited "
                    f"with code {state.get('ExitCode')} before passing the ping health "
                    f"check. Last log lines: {logs}"
                )
        if loop.time() > deadline:
            logs = await last_log_lines(instance.container)
            raise InstanceFailed(
                f"The primary container for production variant {instance.variant} did not "
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
    """Close the instance and remove its container and model dir (the container is
    removed even when closing the log follower or the pool fails)."""
    try:
        await instance.close()
    finally:
        await remove_container(instance.container, grace_s)
    if instance.model_dir is not None:
        await asyncio.to_thread(shutil.rmtree, instance.model_dir.parent, True)
