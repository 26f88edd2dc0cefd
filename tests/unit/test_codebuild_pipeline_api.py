"""The Python API CodePipeline uses (``start_pipeline_build``, ``get_build``,
``stop_build_internal``) with real S3, Logs and CodeBuild services on one store, and
the ``codebuild.BuildStateChanged`` events a build publishes."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.config import Config
from irisops.core.context import RequestContext
from irisops.core.events import Event, EventBus
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.services.codebuild import CodeBuildService
from irisops.services.logs import LogsService
from irisops.services.s3 import S3Service
from irisops.services.s3.local_files import ensure_bucket, get_file, put_file

ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKET = "codepipeline-us-east-1-000000000000"


@pytest.fixture
async def codebuild(tmp_path: Path) -> AsyncIterator[CodeBuildService]:
    store = Store(tmp_path / "state.db", fsync=False)
    runtime = Runtime(
        config=Config(data_dir=tmp_path, fsync=False),
        store=store,
        bus=EventBus(),
        data_dir=tmp_path,
    )
    services = [S3Service(runtime), LogsService(runtime), CodeBuildService(runtime)]
    runtime.services = {service.name: service for service in services}
    for service in services:
        store.add_schema(service.schema)
    await store.open()
    for service in services:
        await service.start()
    try:
        yield runtime.services["codebuild"]
    finally:
        for service in reversed(services):
            await service.stop()
        await store.close()


async def create_pipeline_project(cb: CodeBuildService, name: str) -> None:
    ctx = RequestContext(
        service="codebuild", operation="CreateProject", account=ACCOUNT, region=REGION
    )
    await cb.create_project(
        ctx,
        {
            "name": name,
            "source": {"type": "CODEPIPELINE"},
            "artifacts": {"type": "CODEPIPELINE"},
            "environment": {
                "type": "LINUX_CONTAINER",
                "image": "img",
                "computeType": "BUILD_GENERAL1_SMALL",
            },
            "serviceRole": "arn:aws:iam::123456789012:role/r",
        },
    )


async def put_source(cb: CodeBuildService, tmp_path: Path, buildspec: str) -> tuple[str, str]:
    archive = tmp_path / "source.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("buildspec.yml", buildspec)
        zf.writestr("model/train.py", "print('train')\n")
    s3 = cb.runtime.services["s3"]
    await ensure_bucket(s3, ACCOUNT, REGION, BUCKET)
    key = "iris-pipeline/SourceArti/abc123"
    await put_file(s3, ACCOUNT, REGION, BUCKET, key, archive)
    return BUCKET, key


async def until_complete(events: Any, build_id: str) -> list[Event]:
    seen = []
    async for event in events:
        if event.type == "codebuild.BuildStateChanged" and event.detail["buildId"] == build_id:
            seen.append(event)
            if event.detail["buildStatus"] != "IN_PROGRESS":
                return seen
    raise AssertionError("event stream ended")


PIPELINE_SPEC = """version: 0.2
env:
  exported-variables: [MODEL_VERSION]
phases:
  build:
    commands:
      - mkdir -p out && cp model/train.py out/
      - echo "$CODEBUILD_INITIATOR|$CODEBUILD_SOURCE_VERSION|$STAGE" > out/info.txt
      - echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" >> out/info.txt
      - export MODEL_VERSION=7
artifacts:
  files: ['**/*']
  base-directory: out
"""


async def test_pipeline_build_from_input_zip_to_output_zip(
    codebuild: CodeBuildService, tmp_path: Path
) -> None:
    await create_pipeline_project(codebuild, "train")
    bucket, key = await put_source(codebuild, tmp_path, PIPELINE_SPEC)
    output = (bucket, "iris-pipeline/BuildArtif/out1")
    with codebuild.bus.subscribe() as events:
        build_id = await codebuild.start_pipeline_build(
            ACCOUNT,
            REGION,
            "train",
            pipeline_name="iris-pipeline",
            input_artifacts=[(bucket, key)],
            output_artifact=output,
            environment_variables=[{"name": "STAGE", "value": "prod"}],
            resolved_source_version="c0ffee" * 6 + "abcd",
        )
        assert build_id.startswith("train:")
        seen = await asyncio.wait_for(until_complete(events, build_id), 60)
    build = codebuild.get_build(build_id)
    assert build is not None
    assert build["buildStatus"] == "SUCCEEDED", build["phases"]
    assert build["initiator"] == "codepipeline/iris-pipeline"
    assert build["sourceVersion"] == f"arn:aws:s3:::{bucket}/{key}"
    assert build["source"]["type"] == "CODEPIPELINE"
    assert build["artifacts"]["location"] == f"arn:aws:s3:::{bucket}/{output[1]}"
    assert build["exportedEnvironmentVariables"] == [{"name": "MODEL_VERSION", "value": "7"}]
    # persisted at every phase change, then published
    phases = [event.detail["currentPhase"] for event in seen]
    assert phases[0] == "SUBMITTED" and phases[-1] == "COMPLETED"
    assert {"DOWNLOAD_SOURCE", "BUILD", "UPLOAD_ARTIFACTS"} <= set(phases)
    assert seen[-1].resource == build["arn"]
    assert seen[-1].detail == {
        "buildId": build_id,
        "projectName": "train",
        "buildStatus": "SUCCEEDED",
        "currentPhase": "COMPLETED",
    }
    dest = tmp_path / "out.zip"
    await get_file(codebuild.runtime.services["s3"], ACCOUNT, REGION, bucket, output[1], dest)
    with zipfile.ZipFile(io.BytesIO(dest.read_bytes())) as zf:
        assert sorted(zf.namelist()) == ["info.txt", "train.py"]
        info = zf.read("info.txt").decode()
    commit = "c0ffee" * 6 + "abcd"
    assert info == f"codepipeline/iris-pipeline|arn:aws:s3:::{bucket}/{key}|prod\n{commit}\n"
    assert build["resolvedSourceVersion"] == commit


async def test_missing_input_artifact_fails_download_source(
    codebuild: CodeBuildService,
) -> None:
    await create_pipeline_project(codebuild, "train")
    await ensure_bucket(codebuild.runtime.services["s3"], ACCOUNT, REGION, BUCKET)
    with codebuild.bus.subscribe() as events:
        build_id = await codebuild.start_pipeline_build(
            ACCOUNT,
            REGION,
            "train",
            pipeline_name="p",
            input_artifacts=[(BUCKET, "nope")],
            output_artifact=None,
        )
        await asyncio.wait_for(until_complete(events, build_id), 60)
    build = codebuild.get_build(build_id)
    assert build is not None and build["buildStatus"] == "FAILED"
    download = next(p for p in build["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")
    assert download["phaseStatus"] == "FAILED"
    assert download["contexts"][0]["statusCode"] == "CLIENT_ERROR"
    assert "NoSuchKey" in download["contexts"][0]["message"]


async def test_stop_build_internal(codebuild: CodeBuildService, tmp_path: Path) -> None:
    await create_pipeline_project(codebuild, "train")
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo started; sleep 300\n"
    bucket, key = await put_source(codebuild, tmp_path, spec)
    with codebuild.bus.subscribe() as events:
        build_id = await codebuild.start_pipeline_build(
            ACCOUNT,
            REGION,
            "train",
            pipeline_name="p",
            input_artifacts=[(bucket, key)],
            output_artifact=None,
        )
        async for event in events:
            if event.detail.get("currentPhase") == "BUILD":
                break
        await codebuild.stop_build_internal(build_id)
        await asyncio.wait_for(until_complete(events, build_id), 60)
    build = codebuild.get_build(build_id)
    assert build is not None and build["buildStatus"] == "STOPPED"
    assert codebuild.get_build("train:unknown") is None
