"""The dashboard against a real server with Docker: an endpoint deployed from the iris
inference image appears and changes live (InService, then two instances after an
update), a prediction made from the Predict pane returns the species and shows in the
Endpoints pane's counts and latency sparkline; a training job is drawn with its
secondary status, final metrics and live log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from irisops.sdk.server import ServerProcess
from irisops.tui.app import IrisOpsApp
from irisops.tui.screens.endpoints import EndpointsPane
from irisops.tui.widgets.log_tail import LogTail
from tests.docker_engine import DockerEngine
from tests.integration.sagemaker_endpoint_setup import (
    create_config,
    deploy,
    inference_image,
    wait_status,
)
from tests.sagemaker_jobs import job_request, put_training_data, training_image
from tests.tui.scene import in_thread, screen_text, until, wait_text

__all__ = ["inference_image"]
pytestmark = pytest.mark.docker
ENDPOINT = "iris-tui"


@pytest.fixture(scope="module")
def training(docker_engine: DockerEngine) -> Iterator[str]:
    with training_image(docker_engine.base_image) as tag:
        yield tag


async def test_endpoint_predict_and_latency_live(
    clean_server: ServerProcess, inference_image: str
) -> None:
    client = clean_server.client
    app = IrisOpsApp(clean_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await wait_text(pilot, "no endpoint yet")
        deployed = asyncio.ensure_future(in_thread(deploy, client, ENDPOINT, inference_image))
        await wait_text(pilot, ENDPOINT, "InService", "AllTraffic 1/1", "1/1")
        await deployed

        await pilot.press("5")
        await until(pilot, lambda: app.query_one("#endpoint").value == ENDPOINT, "the endpoint")
        await pilot.click("#sample-virginica")
        await pilot.click("#predict-button")
        await wait_text(pilot, f"virginica from {ENDPOINT} in")
        # Typed features, submitted with enter from the last field.
        for index, value in enumerate(["5.0", "3.4", "1.5", "0.2"]):
            field = app.query_one(f"#feature-{index}")
            field.value = ""
            await pilot.click(f"#feature-{index}")
            await pilot.press(*value)
        await pilot.press("enter")
        text = await wait_text(pilot, f"setosa from {ENDPOINT} in")
        assert "5 3.4 1.5 0.2" in text and "6.8 3 5.5 2.1" in text  # the history

        # Digits typed in a field stay there: back to Endpoints with the mouse.
        await pilot.click("#--content-tab-endpoints")
        assert app.active_tab == "endpoints"
        endpoints = app.query_one(EndpointsPane)
        # The runtime's once-a-second EndpointInvocations event feeds the sparkline.
        await until(pilot, lambda: sum(n for _, n in endpoints.history.get(ENDPOINT, [])) >= 2,
                    "invocation events")  # fmt: skip
        text = await wait_text(pilot, "✔ healthy", "calls")
        row = endpoints.rows[ENDPOINT]
        assert row.invocations >= 2 and row.p99 is not None and row.errors == 0
        assert f"{row.invocations}" in text

        sm = client("sagemaker")
        create_config(client, "iris-tui-2", [("AllTraffic", ENDPOINT, 2, 1.0)])
        await in_thread(sm.update_endpoint, EndpointName=ENDPOINT, EndpointConfigName="iris-tui-2")
        await in_thread(wait_status, sm, ENDPOINT, "InService", "Failed", timeout=120)
        await wait_text(pilot, "AllTraffic 2/2", "2/2", "config iris-tui-2", within=60)
        assert screen_text(app).count("✔ healthy") == 2


async def test_training_job_status_metrics_and_log_live(
    clean_server: ServerProcess, training: str
) -> None:
    client = clean_server.client
    train = put_training_data(client("s3"), "tui-iris")
    app = IrisOpsApp(clean_server.url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await wait_text(pilot, "no job yet")
        sm = client("sagemaker")
        await in_thread(
            sm.create_training_job, **job_request("tui-train", training, train, "tui-iris")
        )
        await wait_text(pilot, "training", "tui-train")
        await wait_text(pilot, "Completed", "accuracy=", within=120)
        tail = app.query_one("#job-log", LogTail)
        await until(pilot, lambda: any("train_accuracy=" in line for line in tail.text), "the log")
        assert "tui-train" in (tail.cursor.stream if tail.cursor else "")
        job = await in_thread(sm.describe_training_job, TrainingJobName="tui-train")
        (metric,) = job["FinalMetricDataList"]
        assert f"accuracy={metric['Value']:.3g}" in screen_text(app)
