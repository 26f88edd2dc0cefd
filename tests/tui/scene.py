"""The resources the dashboard tests look at, made with real boto3 against a real
server: a pipeline Source (S3) → Build (CodeBuild) → Approval (Manual), ECR images
pushed over the registry protocol, and (with Docker) a training job and an endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from tests.codepipeline_declarations import ROLE, approval, codebuild, pipeline, s3_source
from tests.codepipeline_waits import zipped
from tests.integration.ecr_wire import Registry

PIPELINE = "iris-images"
BUILD_LINE = "building the iris images"
BUILDSPEC = f"""version: 0.2
phases:
  build:
    commands:
      - echo "{BUILD_LINE}"
      - mkdir -p out && echo built > out/result.txt
artifacts:
  files:
    - out/result.txt
"""


def create_pipeline(client: Callable[..., Any], name: str = PIPELINE) -> Any:
    """Source → Build → Approval; creating it starts its first execution."""
    s3 = client("s3")
    try:
        s3.create_bucket(Bucket="tui-src")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass  # a second pipeline shares the bucket (not the key: a put would trigger it)
    s3.put_object(
        Bucket="tui-src", Key=f"{name}.zip", Body=zipped({"buildspec.yml": BUILDSPEC, "v": "1"})
    )
    client("codebuild").create_project(
        name=f"{name}-build",
        source={"type": "CODEPIPELINE"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=ROLE,
    )
    cp = client("codepipeline")
    stages = [
        ("Source", [s3_source("tui-src", f"{name}.zip")]),
        ("Build", [codebuild(f"{name}-build", ["SourceArtifact"], ["BuildArtifact"])]),
        ("Approval", [approval()]),
    ]
    cp.create_pipeline(pipeline=pipeline(name, stages))
    return cp


def push_images(server: Any, repository: str = "iris-inference", tags: int = 2) -> list[str]:
    """Create the ECR repository and push ``tags`` small images; their digests."""
    server.client("ecr").create_repository(repositoryName=repository)
    registry = Registry.login(server)
    return [
        registry.push_image(repository, f"v{n}", f"image {n}".encode())[0]
        for n in range(1, tags + 1)
    ]


def screen_text(app: App[Any]) -> str:
    """What the screen shows, as plain text (what a person reads)."""
    from rich.console import Console

    console = Console(
        width=app.size.width, height=app.size.height, record=True, file=open("/dev/null", "w")
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def wait_text(
    pilot: Pilot[Any], *needles: str, within: float = 60.0, absent: str | None = None
) -> str:
    """Wait until every needle is on screen (and ``absent`` is not); the screen text."""
    deadline = time.monotonic() + within
    while True:
        text = screen_text(pilot.app)
        if all(n in text for n in needles) and (absent is None or absent not in text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {needles} (absent {absent!r}) on screen:\n{text}")
        await pilot.pause(0.1)


async def until(
    pilot: Pilot[Any], check: Callable[[], Any], what: str, within: float = 60.0
) -> None:
    """Let the app run until ``check()`` is true."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.1)


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """boto3 from a test: off the app's loop, so the app keeps running meanwhile."""
    return await asyncio.to_thread(fn, *args, **kwargs)
