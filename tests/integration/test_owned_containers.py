"""Containers a server started carry its owner label: reset and shutdown remove exactly
those, and leave another server's (and anyone else's) alone."""

from __future__ import annotations

import json
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

from irisops.engines.docker import OWNER_LABEL, RESOURCE_LABEL
from irisops.sdk.server import ServerProcess
from tests.docker_engine import DockerEngine

pytestmark = pytest.mark.docker


def health(server: ServerProcess) -> dict:
    with urllib.request.urlopen(f"{server.url}/_irisops/health", timeout=10) as resp:
        return json.load(resp)


def start_labelled(image: str, owner: str, resource: str) -> str:
    proc = subprocess.run(
        [
            "docker", "run", "-d",
            "--label", f"{OWNER_LABEL}={owner}",
            "--label", f"{RESOURCE_LABEL}={resource}",
            image, "sleep", "300",
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


def exists(container: str) -> bool:
    proc = subprocess.run(
        ["docker", "inspect", container], capture_output=True, timeout=60, check=False
    )
    return proc.returncode == 0


def test_reset_and_shutdown_remove_only_this_servers_containers(
    tmp_path: Path, docker_engine: DockerEngine
) -> None:
    resource = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/t-{uuid.uuid4().hex[:8]}"
    server = ServerProcess(tmp_path / "mine").start()
    other_owner = str(tmp_path / "someone-else")
    try:
        owner = health(server)["data_dir"]
        mine = start_labelled(docker_engine.base_image, owner, resource)
        theirs = start_labelled(docker_engine.base_image, other_owner, resource)
        req = urllib.request.Request(f"{server.url}/_irisops/reset", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=120) as resp:
            assert resp.status == 200
        assert not exists(mine)
        assert exists(theirs)
        again = start_labelled(docker_engine.base_image, owner, resource)
        assert server.stop() == 0
        assert not exists(again)
        assert exists(theirs)
    finally:
        server.stop()
        subprocess.run(["docker", "rm", "-f", theirs], capture_output=True, timeout=60, check=False)
