"""The issue end to end: `git push` of containers/training and containers/inference to
CodeCommit starts two pipelines at once; each runs Source (CodeCommit) -> Build
(CodeBuild, privileged, the image's buildspec.yml) and the image lands in ECR tagged with
the pushed commit id."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from irisops.sdk.cicd import image_pipeline
from irisops.sdk.server import ServerProcess
from tests.codepipeline_declarations import ROLE
from tests.codepipeline_waits import only_execution, wait_status
from tests.docker_engine import DockerEngine

CONTAINERS = Path(__file__).resolve().parents[2] / "containers"
BUILD_TIMEOUT_S = 400.0


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=irisops", "-c", "user.email=ci@irisops.test", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def set_up(server: ServerProcess, name: str, base_image: str) -> str:
    """ECR repository, CodeCommit repository, CodeBuild project and pipeline for one
    image; returns the clone URL once the pipeline's first run (empty repo) failed."""
    server.client("ecr").create_repository(repositoryName=name)
    repo = server.client("codecommit").create_repository(repositoryName=name)
    server.client("codebuild").create_project(
        name=f"{name}-image",
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
            "environmentVariables": [
                {"name": "BASE_IMAGE", "value": base_image},
                {"name": "IMAGE_REPO_NAME", "value": name},
            ],
        },
        serviceRole=ROLE,
    )
    cp = server.client("codepipeline")
    cp.create_pipeline(
        pipeline=image_pipeline(name, f"{name}-image", role=ROLE, artifact_bucket="iris-artifacts")
    )
    # Creating a pipeline runs it once; on an empty repository its source fails.
    assert wait_status(cp, name, only_execution(cp, name), "Failed", "Succeeded")["status"] == (
        "Failed"
    )
    return str(repo["repositoryMetadata"]["cloneUrlHttp"])


def push(tmp_path: Path, source: Path, clone_url: str) -> str:
    work = tmp_path / source.name
    shutil.copytree(source, work)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", f"{source.name} image")
    git(work, "push", "-q", clone_url, "main")
    return git(work, "rev-parse", "HEAD")


def pushed_execution(cp: Any, name: str, commit: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for summary in cp.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]:
            revisions = [r["revisionId"] for r in summary.get("sourceRevisions", [])]
            if summary["trigger"]["triggerType"] == "CloudWatchEvent" and commit in revisions:
                return str(summary["pipelineExecutionId"])
        time.sleep(0.1)
    raise AssertionError(f"no execution of {name} for the push of {commit}")


@pytest.fixture
def built_images(clean_server: ServerProcess) -> Iterator[list[str]]:
    """Names of images the test's builds leave in the local engine, removed after."""
    images: list[str] = []
    yield images
    if images:
        subprocess.run(["docker", "rmi", "-f", *images], capture_output=True, timeout=120)


@pytest.mark.docker
def test_push_builds_and_pushes_both_iris_images(
    docker_engine: DockerEngine,
    clean_server: ServerProcess,
    built_images: list[str],
    tmp_path: Path,
) -> None:
    server = clean_server
    names = {"iris-training": CONTAINERS / "training", "iris-inference": CONTAINERS / "inference"}
    urls = {name: set_up(server, name, docker_engine.base_image) for name in names}
    commits = {name: push(tmp_path, names[name], urls[name]) for name in names}
    registry = f"localhost:{server.port}"
    for name, commit in commits.items():
        built_images += [f"{registry}/{name}:{commit}", f"{registry}/{name}:latest"]

    cp = server.client("codepipeline")
    executions = {name: pushed_execution(cp, name, commits[name]) for name in names}
    for name, execution_id in executions.items():
        done = wait_status(
            cp, name, execution_id, "Succeeded", "Failed", "Stopped", timeout=BUILD_TIMEOUT_S
        )
        state = cp.get_pipeline_state(name=name)
        assert done["status"] == "Succeeded", state
        (revision,) = done["artifactRevisions"]
        assert revision["revisionId"] == commits[name]
        assert revision["revisionSummary"] == f"{names[name].name} image"

        stages = {s["stageName"]: s for s in state["stageStates"]}
        for stage in ("Source", "Build"):
            assert stages[stage]["latestExecution"] == {
                "pipelineExecutionId": execution_id,
                "status": "Succeeded",
                "type": "STANDARD",
            }
        source = stages["Source"]["actionStates"][0]
        assert source["currentRevision"]["revisionId"] == commits[name]
        build = stages["Build"]["actionStates"][0]["latestExecution"]
        assert build["status"] == "Succeeded"
        assert build["externalExecutionId"].startswith(f"{name}-image:")
        (found,) = server.client("codebuild").batch_get_builds(ids=[build["externalExecutionId"]])[
            "builds"
        ]
        assert found["buildStatus"] == "SUCCEEDED"
        assert found["initiator"] == f"codepipeline/{name}"
        # The image tag came from CODEBUILD_RESOLVED_SOURCE_VERSION: the pushed commit.
        assert found["resolvedSourceVersion"] == commits[name]

        images = server.client("ecr").describe_images(repositoryName=name)["imageDetails"]
        tags = {tag for image in images for tag in image.get("imageTags", [])}
        assert {commits[name], "latest"} <= tags
