"""The README's dashboard screenshots, exported by the app from a live scene.

``python -m tests.tui.screenshots [DIR]`` (default docs/tui; needs Docker and the base
image in IRISOPS_BASE_IMAGE or .irisops/base-image) starts a server, runs a pipeline
Source → Build → Approval, pushes images, trains the iris model, deploys an endpoint
and sends it traffic for a few seconds, then saves each pane as an SVG at 100x30.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from irisops.sdk.server import ServerProcess
from irisops.tui.app import IrisOpsApp
from tests.codepipeline_waits import only_execution, wait_status, wait_token
from tests.integration.sagemaker_endpoint_setup import CONTAINERS, deploy, invoke_json
from tests.sagemaker_jobs import job_request, put_training_data, training_image
from tests.tui.scene import PIPELINE, create_pipeline, in_thread, push_images, wait_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.8, 3.0, 5.5, 2.1]]


def base_image() -> str:
    return (
        os.environ.get("IRISOPS_BASE_IMAGE")
        or (ROOT / ".irisops/base-image").read_text().split()[0]
    )


def build_inference(base: str) -> str:
    import subprocess

    tag = "irisops-docs/iris-inference:latest"
    subprocess.run(
        ["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base}", "-t", tag,
         str(CONTAINERS / "inference")],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return tag


def traffic(server: ServerProcess, seconds: float) -> None:
    runtime = server.client("sagemaker-runtime")
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        invoke_json(runtime, "iris", SAMPLES[n % 3])
        n += 1
        time.sleep(0.01 * (1 + n % 7))


async def shoot(server: ServerProcess, out: Path, training: str, inference: str) -> None:
    client = server.client
    app = IrisOpsApp(server.url)
    async with app.run_test(size=(100, 30)) as pilot:

        async def save(key: str, name: str, *needles: str) -> None:
            await pilot.press(key)
            await wait_text(pilot, *needles, within=120)
            await pilot.pause(0.5)
            app.save_screenshot(f"{name}.svg", str(out))

        cp = await in_thread(create_pipeline, client)
        await in_thread(approved_pipeline, client, "iris-training")
        execution = await in_thread(only_execution, cp, PIPELINE)
        await in_thread(push_images, server, "iris-inference", 3)
        train = await in_thread(put_training_data, client("s3"), "iris-data")
        sm = client("sagemaker")
        await in_thread(
            sm.create_training_job, **job_request("iris-train-1", training, train, "iris-data")
        )
        await in_thread(deploy, client, "iris", inference)
        await save("1", "cicd", execution[:8], "● Approval")
        await save("2", "registry", "iris-inference", "v3")
        await save("3", "jobs", "Completed", "train:accuracy=")
        await in_thread(traffic, server, 12)
        await save("4", "endpoints", "✔ healthy", "calls")
        await pilot.press("5")
        await pilot.click("#sample-virginica")
        await pilot.click("#predict-button")
        await wait_text(pilot, "virginica from iris")
        await pilot.click("#sample-setosa")
        await pilot.click("#predict-button")
        await save("5", "predict", "setosa from iris")
        await save("6", "approvals", PIPELINE, "Approve")
        app.theme = "textual-light"
        await save("4", "endpoints-light", "✔ healthy")


def approved_pipeline(client: Any, name: str) -> None:
    """A second pipeline whose approval is taken at once: CI/CD then shows both."""
    cp = create_pipeline(client, name)
    execution = only_execution(cp, name)
    token = wait_token(cp, name, "Approval", execution)
    cp.put_approval_result(
        pipelineName=name, stageName="Approval", actionName="Approve",
        result={"summary": "ok", "status": "Approved"}, token=token,
    )  # fmt: skip
    wait_status(cp, name, execution, "Succeeded", "Failed")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "tui")
    out.mkdir(parents=True, exist_ok=True)
    base = base_image()
    inference = build_inference(base)
    with training_image(base) as training, ServerProcess() as server:
        asyncio.run(shoot(server, out, training, inference))
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
