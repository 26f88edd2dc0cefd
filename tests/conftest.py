"""Shared fixtures: a real ``irisops serve`` process and boto3 clients pointed at it.

``server`` is one server for the whole session, wiped with ``POST /_irisops/reset``
before each test that asks for ``clean_server``; tests that kill and restart a server
make their own with ``ServerProcess``.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from irisops.sdk.server import ServerProcess
from tests.docker_engine import docker_engine

__all__ = ["docker_engine"]

# The irisops_* fixtures. Once irisops is installed from a pyproject.toml that declares
# its pytest11 entry point, pytest has loaded the plugin already under this same name,
# and this is a no-op.
pytest_plugins = ["irisops.sdk.pytest_plugin"]


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    proc = ServerProcess().start()
    try:
        yield proc
    finally:
        proc.stop()


def reset(url: str) -> None:
    req = urllib.request.Request(f"{url}/_irisops/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=120) as resp:
        assert resp.status == 200


@pytest.fixture
def clean_server(server: ServerProcess) -> ServerProcess:
    reset(server.url)
    return server


@pytest.fixture
def client(clean_server: ServerProcess) -> Callable[..., Any]:
    """``client("s3")``: a boto3 client for a freshly reset server."""
    return clean_server.client
