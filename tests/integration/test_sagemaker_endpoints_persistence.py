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
    create_config,
    create_model,
    deploy,
    endpoint_containers,
    inference_image,
    invoke_json,
    model_tarball,
    put_model_data,
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
    assert (
        endpoint_containers("durable", every_state=True) == []
        and endpoint_containers("orphan", every_state=True) == []
    )


def test_endpoint_killed_while_creating_is_deployed_again(
    tmp_path: Path, inference_image: str
) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        url = put_model_data(server.client, "models", "c/model.tar.gz", model_tarball())
        create_model(server.client, "creating", inference_image, url)
        create_config(server.client, "creating", [("AllTraffic", "creating", 1, 1.0)])
        server.client("sagemaker").create_endpoint(
            EndpointName="creating", EndpointConfigName="creating"
        )
        server.kill()
        server.start()
        sm = server.client("sagemaker")
        assert wait_status(sm, "creating", "InService", "Failed")["EndpointStatus"] == "InService"
        runtime = server.client("sagemaker-runtime")
        assert invoke_json(runtime, "creating", SETOSA)[0]["prediction"] == "setosa"
        assert len(endpoint_containers("creating")) == 1
    finally:
        server.stop()
    assert endpoint_containers("creating", every_state=True) == []
