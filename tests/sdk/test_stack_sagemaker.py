"""The SDK's SageMaker helpers on real containers, through the pytest plugin's
fixtures: deploy -> InService, predict, wait_for reading the current state, a failed
training job's error with its log tail, a Stack's exit removing its containers."""

from __future__ import annotations

import subprocess

import pytest

from irisops.sdk import ResourceFailed, Stack
from tests.docker_engine import DockerEngine
from tests.integration.sagemaker_endpoint_setup import (
    SETOSA,
    VIRGINICA,
    inference_image,
    model_tarball,
    tarball,
)
from tests.sagemaker_jobs import training_image

__all__ = ["inference_image"]

pytestmark = pytest.mark.docker


def owned_containers(owner: str) -> list[str]:
    done = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=irisops.owner={owner}"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.split()


async def test_deploy_predict_and_wait_for(
    irisops_clean_stack: Stack, inference_image: str
) -> None:
    data = await irisops_clean_stack.upload(model_tarball(), "s3://models/iris/model.tar.gz")
    arn = await irisops_clean_stack.create_model("iris", inference_image, data)
    assert arn.endswith(":model/iris")
    statuses: list[str] = []
    endpoint = await irisops_clean_stack.deploy(
        "iris-ep", "iris", on_status=lambda status, _detail: statuses.append(status)
    )
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == "iris-ep-config"
    assert statuses[-1] == "InService"
    assert (await irisops_clean_stack.predict("iris-ep", {"features": SETOSA}))[
        "prediction"
    ] == "setosa"
    csv_rows = ",".join(map(str, SETOSA)) + "\n" + ",".join(map(str, VIRGINICA)) + "\n"
    assert (await irisops_clean_stack.predict("iris-ep", csv_rows)).split() == [
        "setosa",
        "virginica",
    ]
    # Already InService: answered from the state read once subscribed, by name or ARN.
    again = await irisops_clean_stack.wait_for("iris-ep", "InService", timeout=10)
    assert again["EndpointArn"] == endpoint["EndpointArn"]
    by_arn = await irisops_clean_stack.wait_for(
        endpoint["EndpointArn"], ["InService", "Failed"], timeout=10
    )
    assert by_arn["EndpointName"] == "iris-ep"

    await irisops_clean_stack.create_endpoint_config("iris-ep-2", "iris", instance_count=2)
    updated = await irisops_clean_stack.update_endpoint("iris-ep", "iris-ep-2")
    assert updated["EndpointConfigName"] == "iris-ep-2"
    assert updated["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert (await irisops_clean_stack.predict("iris-ep", {"features": VIRGINICA}))[
        "prediction"
    ] == "virginica"


async def test_failed_training_job_error_has_reason_and_log_tail(
    irisops_clean_stack: Stack, docker_engine: DockerEngine
) -> None:
    await irisops_clean_stack.upload(b"this is not,a data set\n", "s3://bad-data/train/bad.csv")
    with training_image(docker_engine.base_image) as image:
        with pytest.raises(ResourceFailed) as failed:
            await irisops_clean_stack.train(
                "bad-train", image, inputs="s3://bad-data/train/", output="s3://bad-data/out"
            )
    error = failed.value
    assert error.what == "training-job bad-train" and error.status == "Failed"
    assert error.reason == error.description["FailureReason"] and error.reason
    assert any("Traceback" in line for line in error.log_tail), error.log_tail
    assert "last log lines:" in str(error)


async def test_leaving_the_stack_removes_its_containers(inference_image: str) -> None:
    async with Stack() as stack:
        owner = stack.health()["data_dir"]
        data = await stack.upload(model_tarball(), "s3://models/iris/model.tar.gz")
        await stack.create_model("iris", inference_image, data)
        await stack.deploy("iris-ep", "iris")
        assert owned_containers(owner)
    assert owned_containers(owner) == []


async def test_failed_endpoint_error_has_the_container_log(
    irisops_clean_stack: Stack, inference_image: str
) -> None:
    stack = irisops_clean_stack
    no_model = tarball({"README": b"no model.json in here\n"})
    data = await stack.upload(no_model, "s3://models/empty/model.tar.gz")
    await stack.create_model("empty", inference_image, data)
    with pytest.raises(ResourceFailed) as failed:
        await stack.deploy("empty-ep", "empty", timeout=120)
    error = failed.value
    assert (error.what, error.status) == ("endpoint empty-ep", "Failed")
    assert error.reason == error.description["FailureReason"]
    assert any("model.json" in line for line in error.log_tail), error.log_tail
