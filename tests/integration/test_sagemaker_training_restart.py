"""A server killed with SIGKILL mid-training: on restart, a job whose container still
runs is re-attached and completes; one whose container is gone ends Failed, saying why."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from irisops.sdk.server import ServerProcess
from tests.docker_engine import DockerEngine
from tests.sagemaker_jobs import (
    job_request,
    model_json,
    put_training_data,
    training_image,
    wait_done,
    wait_for,
)

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def image(docker_engine: DockerEngine) -> Iterator[str]:
    with training_image(docker_engine.base_image) as tag:
        yield tag


def containers_of(arn: str) -> list[str]:
    done = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=irisops.resource={arn}"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.split()


def test_sigkill_mid_job_is_reconciled_on_restart(tmp_path: Path, image: str) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        sm, s3 = server.client("sagemaker"), server.client("s3")
        train = put_training_data(s3, "iris-restart")
        slow = {"epochs": "40", "seconds_per_epoch": "0.1"}
        arns = {}
        for name in ("survives", "loses-container"):
            arns[name] = sm.create_training_job(
                **job_request(name, image, train, "iris-restart", HyperParameters=slow)
            )["TrainingJobArn"]
        for name in arns:
            wait_for(lambda n=name: _secondary(sm, n) == "Training")
        server.kill()
        for container in containers_of(arns["loses-container"]):
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
        assert containers_of(arns["survives"]), "the job's container outlives the server"

        server = ServerProcess(data).start()
        sm, s3 = server.client("sagemaker"), server.client("s3")
        job = wait_done(sm, "survives")
        assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
        assert model_json(s3, job["ModelArtifacts"]["S3ModelArtifacts"])["epochs"] == 40
        # The re-attached log goes on where it stopped: every epoch once.
        logs = server.client("logs")
        group = "/aws/sagemaker/TrainingJobs"
        stream = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="survives/")
        events = logs.get_log_events(
            logGroupName=group,
            logStreamName=stream["logStreams"][0]["logStreamName"],
            startFromHead=True,
        )["events"]
        epochs = [e["message"].split()[0] for e in events if e["message"].startswith("epoch=")]
        assert epochs == [f"epoch={n}" for n in range(1, 41)]
        lost = sm.describe_training_job(TrainingJobName="loses-container")
        assert lost["TrainingJobStatus"] == "Failed"
        assert "irisops restarted while the job was running" in lost["FailureReason"]
        assert containers_of(arns["survives"]) == []
    finally:
        server.stop()


def _secondary(sm: Any, name: str) -> str:
    return str(sm.describe_training_job(TrainingJobName=name)["SecondaryStatus"])
