"""The ``docker_engine`` fixture: a Docker engine that answers, or a clear skip or failure.

Tests that need Docker take ``docker_engine`` and carry ``@pytest.mark.docker`` (the
marker is registered in pyproject.toml). When no engine answers they skip on a
developer's machine, saying how to start one, and FAIL when ``CI=true``: a CI run must
never pass by skipping the tests that exercise real containers. The same holds when no
Python base image is local.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
UPSTREAM_BASE_IMAGE = "python:3.12-slim"
LOCAL_BASE_IMAGE = "irisops/python-base:latest"
VERSION_TIMEOUT_S = 30

HOW_TO_START = (
    "run `sudo bash scripts/setup.sh` (installs and starts dockerd on Linux), start Docker "
    "Desktop, or point DOCKER_HOST at a running engine"
)


@dataclass(frozen=True)
class DockerEngine:
    """What tests need to know about the engine they run against."""

    server_version: str
    base_image: str
    """Image for ``--build-arg BASE_IMAGE=...``: the one scripts/setup.sh chose."""
    docker_host: str | None


def image_exists(name: str) -> bool:
    proc = subprocess.run(
        ["docker", "image", "inspect", name],
        capture_output=True,
        timeout=VERSION_TIMEOUT_S,
        check=False,
    )
    return proc.returncode == 0


def base_image_name() -> str | None:
    """IRISOPS_BASE_IMAGE, else what scripts/setup.sh recorded, else whichever of
    python:3.12-slim and irisops/python-base:latest is local; None when none is."""
    if name := os.environ.get("IRISOPS_BASE_IMAGE", "").strip():
        return name
    recorded = REPO_ROOT / ".irisops" / "base-image"
    if recorded.is_file() and (lines := recorded.read_text().split()):
        return lines[0]
    for name in (UPSTREAM_BASE_IMAGE, LOCAL_BASE_IMAGE):
        if image_exists(name):
            return name
    return None


def probe_engine() -> tuple[str | None, str]:
    """Return (server version, "") when an engine answers, else (None, why not)."""
    try:
        proc = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        return None, "the docker CLI is not installed"
    except subprocess.TimeoutExpired:
        return None, f"`docker version` did not answer within {VERSION_TIMEOUT_S}s"
    version = proc.stdout.strip()
    if proc.returncode != 0 or not version:
        detail = proc.stderr.strip().splitlines()
        return None, detail[-1] if detail else f"`docker version` exited {proc.returncode}"
    return version, ""


def unavailable(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def docker_engine() -> DockerEngine:
    version, why = probe_engine()
    if version is None:
        unavailable(f"no Docker engine answers ({why}); {HOW_TO_START}")
    base_image = base_image_name()
    if base_image is None:
        unavailable(
            f"no Python base image ({UPSTREAM_BASE_IMAGE} or {LOCAL_BASE_IMAGE}) is local; "
            "run `bash scripts/setup.sh`"
        )
    return DockerEngine(
        server_version=version,
        base_image=base_image,
        docker_host=os.environ.get("DOCKER_HOST"),
    )
