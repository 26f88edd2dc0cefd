"""What scripts/setup.sh promises: a Docker engine that answers and a Python base image
that runs python >= 3.11 with pip, without leaving containers behind or rebuilding."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.docker_engine import DockerEngine

pytestmark = pytest.mark.docker

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 120


def docker(*args: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def run_in_base(image: str, label: str, *command: str) -> subprocess.CompletedProcess[str]:
    return docker("run", "--rm", "--label", f"irisops.test={label}", image, *command)


def test_engine_answers(docker_engine: DockerEngine) -> None:
    assert re.match(r"^\d+\.\d+", docker_engine.server_version), docker_engine.server_version
    info = docker("info", "--format", "{{.ServerVersion}}")
    assert info.returncode == 0, info.stderr
    assert info.stdout.strip() == docker_engine.server_version


def test_base_image_runs_python_311(docker_engine: DockerEngine) -> None:
    proc = run_in_base(
        docker_engine.base_image,
        uuid.uuid4().hex,
        "python3",
        "-c",
        "import sys; print(sys.version_info >= (3, 11))",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True"


def test_base_image_has_pip(docker_engine: DockerEngine) -> None:
    """Dockerfiles written for python:3.12-slim run `pip install`; the local base must too."""
    proc = run_in_base(docker_engine.base_image, uuid.uuid4().hex, "python3", "-m", "pip", "-V")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pip ")


def test_no_container_left_behind(docker_engine: DockerEngine) -> None:
    label = uuid.uuid4().hex
    proc = run_in_base(docker_engine.base_image, label, "python3", "-c", "print('ran')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ran"
    left = docker("ps", "--all", "--quiet", "--filter", f"label=irisops.test={label}")
    assert left.returncode == 0, left.stderr
    assert left.stdout.strip() == ""


def test_second_setup_reuses_everything(docker_engine: DockerEngine) -> None:
    """Running setup again keeps the engine and the recorded image and builds nothing."""
    env = {**os.environ, "IRISOPS_NO_PULL": "1"}
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "setup.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "starting dockerd" not in proc.stderr
    assert "debootstrap" not in proc.stderr
    assert "base-image:" not in proc.stderr
    recorded = (REPO_ROOT / ".irisops" / "base-image").read_text().strip()
    assert f"base image: {recorded}" in proc.stderr
    assert docker("image", "inspect", recorded).returncode == 0
