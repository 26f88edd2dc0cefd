"""The iris images as SageMaker runs them: `docker run IMAGE train` with /opt/ml
bind-mounted writes the model; `docker run IMAGE serve` answers /ping and /invocations
on port 8080 (published on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker_engine import DockerEngine
from tests.iris_data import iris_csv

CONTAINERS = Path(__file__).resolve().parents[2] / "containers"


def docker(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def images(docker_engine: DockerEngine) -> Iterator[dict[str, str]]:
    suffix = secrets.token_hex(4)
    built = {}
    try:
        for name in ("training", "inference"):
            tag = f"irisops-test/iris-{name}:{suffix}"
            docker(
                "build", "-q", "--build-arg", f"BASE_IMAGE={docker_engine.base_image}",
                "-t", tag, str(CONTAINERS / name),
            )  # fmt: skip
            built[name] = tag
        yield built
    finally:
        if built:
            subprocess.run(
                ["docker", "rmi", "-f", *built.values()], capture_output=True, timeout=120
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.docker
def test_train_then_serve_in_containers(images: dict[str, str], tmp_path: Path) -> None:
    ml = tmp_path / "ml"
    (ml / "input" / "data" / "train").mkdir(parents=True)
    (ml / "model").mkdir()
    (ml / "output").mkdir()
    (ml / "input" / "data" / "train" / "iris.csv").write_text(iris_csv())
    logs = docker(
        "run",
        "--rm",
        "--user",
        str(os.getuid()),
        "-v",
        f"{ml}:/opt/ml",
        images["training"],
        "train",
    )
    assert "train_accuracy=" in logs
    model = json.loads((ml / "model" / "model.json").read_text())
    assert sorted(model["centroids"]) == ["setosa", "versicolor", "virginica"]

    port = free_port()
    container = docker(
        "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8080",
        "-v", f"{ml / 'model'}:/opt/ml/model:ro", images["inference"], "serve",
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{url}/invocations",
            data=b"5.1,3.5,1.4,0.2\n6.8,3.0,5.5,2.1\n",
            headers={"Content-Type": "text/csv"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.read() == b"setosa\nvirginica\n"
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
