"""Endpoints across a SIGKILL of the server: an InService endpoint re-attaches to its
still-running container and serves again; one whose container is gone gets a new one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from irisops.sdk.server import ServerProcess
from tests.integration.sagemaker_endpoint_setup import (
    SETOSA,
    VIRGINICA,
    deploy,
    endpoint_containers,
    inference_image,
    invoke_json,
    wait_status,
)

__all__ = ["inference_image"]

pytestmark = pytest.mark.docker


def test_endpoint_serves_again_after_kill_9(tmp_path: Path, inference_image: str) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        deploy(server.client, "durable", inference_image)
        deploy(server.client, "orphan", inference_image)
        [durable] = endpoint_containers("durable")
        server.kill()
        # One instance's container dies while no server watches it.
        [orphan] = endpoint_containers("orphan")
        subprocess.run(["docker", "rm", "-f", orphan], check=True, capture_output=True, timeout=60)

        server.start()
        runtime = server.client("sagemaker-runtime")
        sm = server.client("sagemaker")
        described = wait_status(sm, "durable", "InService")
        assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 1
        assert invoke_json(runtime, "durable", SETOSA)[0]["prediction"] == "setosa"
        assert endpoint_containers("durable") == [durable]

        wait_status(sm, "orphan", "InService")
        assert invoke_json(runtime, "orphan", VIRGINICA)[0]["prediction"] == "virginica"
        [replacement] = endpoint_containers("orphan")
        assert replacement != orphan
        logs = server.client("logs")
        streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/Endpoints/durable")
        assert streams["logStreams"]
    finally:
        server.stop()
    assert endpoint_containers("durable") == [] and endpoint_containers("orphan") == []
