"""Running a build inside a container from the project's ``environment.image``.

Used when the local Docker engine has that image (nothing is ever pulled): the
container runs an idle loop with host networking (so ``localhost:PORT`` reaches
irisops), the build's work dir bind-mounted at the same path, and -- only for a
privileged project -- the engine's socket and the host's docker CLI. Each command is a
``docker exec`` of the same shell wrapper the host mode runs, so shell state carries
the same way. Otherwise builds run on the host (see :mod:`.runner`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger("irisops.codebuild")

LABEL = "irisops.codebuild.build-id"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER_TIMEOUT_S = 60
#: Deciding where a build runs must not wait long on an engine that does not answer.
INSPECT_TIMEOUT_S = 10
IDLE_LOOP = "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"


async def image_env_path(docker: Any, image: str) -> str | None:
    """The image's PATH when the local engine has ``image``; None when it does not (or
    no engine answers)."""
    if docker is None or not image:
        return None
    try:
        info = await asyncio.wait_for(docker.client.images.inspect(image), INSPECT_TIMEOUT_S)
    except Exception:  # missing image or no engine: the build runs on the host
        return None
    for entry in (info.get("Config") or {}).get("Env") or []:
        if entry.startswith("PATH="):
            return str(entry[5:])
    return DEFAULT_PATH


def docker_socket() -> str | None:
    """The engine's unix socket path, None when DOCKER_HOST is not a unix socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://") if host.startswith("unix://") else None


def container_name(build_uuid: str) -> str:
    return f"irisops-codebuild-{build_uuid}"


def mounts(work_dir: Path, privileged: bool) -> tuple[list[str], list[str], list[str]]:
    """Binds, extra groups and environment of a build container."""
    binds = [f"{work_dir}:{work_dir}"]
    group_add: list[str] = []
    env: list[str] = []
    if privileged:
        socket = docker_socket()
        if socket is not None:
            binds.append(f"{socket}:/var/run/docker.sock")
            with contextlib.suppress(OSError):
                group_add.append(str(os.stat(socket).st_gid))
        else:
            env.append(f"DOCKER_HOST={os.environ['DOCKER_HOST']}")
        cli = shutil.which("docker")
        if cli:
            binds.append(f"{os.path.realpath(cli)}:/usr/local/bin/docker:ro")
    return binds, group_add, env


class BuildContainer:
    def __init__(self, docker: Any, build_id: str, uuid: str, image: str) -> None:
        self.docker = docker
        self.build_id = build_id
        self.image = image
        self.name = container_name(uuid)

    async def start(self, work_dir: Path, privileged: bool) -> None:
        binds, group_add, env = mounts(work_dir, privileged)
        config = {
            "Image": self.image,
            "Entrypoint": ["/bin/sh", "-c", IDLE_LOOP],
            "Cmd": [],
            "Env": env,
            "User": f"{os.getuid()}:{os.getgid()}",
            "WorkingDir": str(work_dir),
            "Labels": {LABEL: self.build_id},
            "HostConfig": {"NetworkMode": "host", "Binds": binds, "GroupAdd": group_add},
        }
        container = await asyncio.wait_for(
            self.docker.client.containers.create(config, name=self.name), DOCKER_TIMEOUT_S
        )
        await asyncio.wait_for(container.start(), DOCKER_TIMEOUT_S)

    def exec_prefix(self, state_dir: Path) -> list[str]:
        """The argv that runs a program in the container with the wrapper's state."""
        return [
            "docker",
            "exec",
            "-e",
            f"IRISOPS_BUILD_STATE={state_dir}",
            "-w",
            str(state_dir),
            self.name,
        ]

    async def remove(self) -> None:
        await remove_container(self.docker, self.name)


async def remove_container(docker: Any, name: str) -> None:
    try:
        container = docker.client.containers.container(name)
        await asyncio.wait_for(container.delete(force=True), DOCKER_TIMEOUT_S)
    except Exception as exc:  # already gone, or no engine: nothing left to remove
        log.debug("removing build container %s: %s", name, exc)
