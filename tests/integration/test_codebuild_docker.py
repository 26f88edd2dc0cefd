"""Docker inside builds: a privileged project builds and runs an image FROM the local
base image, on the host and in a container from the project's image; an unprivileged
one gets the Docker CLI's no-daemon error; build containers are removed afterwards."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from irisops.sdk.server import ServerProcess
from tests.docker_engine import DockerEngine
from tests.integration.codebuild_helpers import (
    ENVIRONMENT,
    create_project,
    log_lines,
    phase_statuses,
    wait_build,
    wait_log_line,
)

DOCKER_SPEC = """version: 0.2
phases:
  build:
    commands:
      - printf 'ARG BASE_IMAGE\\nFROM $BASE_IMAGE\\nRUN echo cb-proof > /proof.txt\\n' > Dockerfile
      - docker build -q --build-arg BASE_IMAGE=$BASE_IMAGE -t $IMAGE_TAG .
      - docker run --rm $IMAGE_TAG cat /proof.txt
"""


@pytest.fixture
def image_tag() -> Iterator[str]:
    tag = f"irisops-codebuild-test:{uuid.uuid4().hex[:12]}"
    yield tag
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=60, check=False)


def environment(image: str, privileged: bool, **variables: str) -> dict[str, Any]:
    return {
        **ENVIRONMENT,
        "image": image,
        "privilegedMode": privileged,
        "environmentVariables": [{"name": k, "value": v} for k, v in variables.items()],
    }


def build_containers(build_id: str) -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=irisops.codebuild.build-id={build_id}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.split()


@pytest.mark.docker
@pytest.mark.parametrize("where", ["host", "container"])
def test_privileged_build_runs_docker_build(
    client: Any, docker_engine: DockerEngine, image_tag: str, where: str
) -> None:
    cb, logs = client("codebuild"), client("logs")
    image = ENVIRONMENT["image"] if where == "host" else docker_engine.base_image
    create_project(
        cb,
        f"docker-{where}",
        DOCKER_SPEC,
        environment=environment(
            image, True, BASE_IMAGE=docker_engine.base_image, IMAGE_TAG=image_tag
        ),
    )
    build = wait_build(cb, cb.start_build(projectName=f"docker-{where}")["build"]["id"])
    lines = log_lines(logs, build)
    assert build["buildStatus"] == "SUCCEEDED", lines
    assert "cb-proof" in lines
    running_on = next(line for line in lines[:3] if "Running on irisops" in line)
    assert ("in container" in running_on) is (where == "container")
    assert build_containers(build["id"]) == []


@pytest.mark.docker
def test_unprivileged_container_build_has_no_docker_daemon(
    client: Any, docker_engine: DockerEngine
) -> None:
    cb, logs = client("codebuild"), client("logs")
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - python3 -c 'import sys; print(sys.version_info[0])'\n"
        "      - docker info\n"
    )
    create_project(cb, "no-daemon", spec, environment=environment(docker_engine.base_image, False))
    build = wait_build(cb, cb.start_build(projectName="no-daemon")["build"]["id"])
    lines = log_lines(logs, build)
    assert build["buildStatus"] == "FAILED"
    assert ("BUILD", "FAILED") in phase_statuses(build)
    assert "3" in lines
    assert (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?"
    ) in lines
    assert build_containers(build["id"]) == []


@pytest.mark.docker
def test_sigkill_mid_container_build_removes_the_container_on_restart(
    docker_engine: DockerEngine, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo STARTED; sleep 300\n"
    build_id = ""
    server = ServerProcess(data).start()
    try:
        cb, logs = server.client("codebuild"), server.client("logs")
        create_project(cb, "boxed", spec, environment=environment(docker_engine.base_image, False))
        build_id = cb.start_build(projectName="boxed")["build"]["id"]
        wait_log_line(logs, cb, build_id, "STARTED")
        server.kill()
        assert len(build_containers(build_id)) == 1
        server = ServerProcess(data).start()
        build = server.client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
        assert build["buildStatus"] == "FAILED"
        assert build_containers(build_id) == []
    finally:
        server.stop()
        for container in build_containers(build_id) if build_id else []:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
