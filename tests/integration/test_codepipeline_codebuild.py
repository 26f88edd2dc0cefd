"""CodeBuild actions through the real server: the input artifact is built, the output
artifact stored; a failing build fails the action; a stop waits for the build; a build
running across a SIGKILL is followed after the restart."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from irisops.sdk.server import ServerProcess
from tests.codepipeline_declarations import ROLE, codebuild, pipeline, s3_source
from tests.codepipeline_waits import only_execution, wait_status, zipped

BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - {command}
      - mkdir -p out && echo "built from $(cat app.txt)" > out/result.txt
artifacts:
  files:
    - out/result.txt
"""


def source_zip(command: str = "echo building") -> bytes:
    return zipped({"app.txt": "v1", "buildspec.yml": BUILDSPEC.format(command=command)})


def set_up(server_client: Callable[..., Any], command: str = "echo building") -> Any:
    s3 = server_client("s3")
    s3.create_bucket(Bucket="src")
    s3.put_object(Bucket="src", Key="app.zip", Body=source_zip(command))
    server_client("codebuild").create_project(
        name="proj",
        source={"type": "CODEPIPELINE"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=ROLE,
    )
    build = codebuild("proj", ["SourceArtifact"], ["BuildArtifact"])
    cp = server_client("codepipeline")
    cp.create_pipeline(
        pipeline=pipeline("app", [("Source", [s3_source("src", "app.zip")]), ("Build", [build])])
    )
    return cp


def build_state(cp: Any) -> dict[str, Any]:
    state = cp.get_pipeline_state(name="app")
    return dict(state["stageStates"][1]["actionStates"][0].get("latestExecution") or {})


def wait_build_started(cp: Any, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if build := build_state(cp).get("externalExecutionId"):
            return str(build)
        time.sleep(0.05)
    raise AssertionError("the build action did not start a build")


def test_build_action_builds_the_input_and_stores_the_output(client: Callable[..., Any]) -> None:
    cp = set_up(client)
    execution_id = only_execution(cp, "app")
    assert wait_status(cp, "app", execution_id, "Succeeded", "Failed")["status"] == "Succeeded"
    latest = build_state(cp)
    build_id = latest["externalExecutionId"]
    assert build_id.startswith("proj:") and latest["status"] == "Succeeded"
    (build,) = client("codebuild").batch_get_builds(ids=[build_id])["builds"]
    assert build["buildStatus"] == "SUCCEEDED"
    assert build["initiator"] == "codepipeline/app"

    details = cp.list_action_executions(
        pipelineName="app", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    by_name = {d["actionName"]: d for d in details}
    source_key = by_name["Source"]["output"]["outputArtifacts"][0]["s3location"]["key"]
    assert build["sourceVersion"] == f"arn:aws:s3:::artifacts/{source_key}"
    (output,) = by_name["Build"]["output"]["outputArtifacts"]
    assert output["name"] == "BuildArtifact"
    assert output["s3location"]["key"].startswith("app/BuildArtif/")
    body = client("s3").get_object(Bucket="artifacts", Key=output["s3location"]["key"])
    with zipfile.ZipFile(io.BytesIO(body["Body"].read())) as archive:
        assert archive.read("out/result.txt") == b"built from v1\n"
    assert by_name["Build"]["output"]["executionResult"]["externalExecutionId"] == build_id


def test_failing_build_fails_the_action(client: Callable[..., Any]) -> None:
    cp = set_up(client, command="exit 3")
    execution_id = only_execution(cp, "app")
    done = wait_status(cp, "app", execution_id, "Succeeded", "Failed")
    assert done["status"] == "Failed"
    latest = build_state(cp)
    assert latest["status"] == "Failed"
    assert latest["summary"] == "Build terminated with state: FAILED"
    assert latest["errorDetails"] == {
        "code": "JobFailed",
        "message": "Build terminated with state: FAILED",
    }
    (build,) = client("codebuild").batch_get_builds(ids=[latest["externalExecutionId"]])["builds"]
    assert build["buildStatus"] == "FAILED"


def test_stop_and_wait_lets_the_build_finish(client: Callable[..., Any]) -> None:
    cp = set_up(client, command="sleep 2")
    execution_id = only_execution(cp, "app")
    build_id = wait_build_started(cp)
    cp.stop_pipeline_execution(pipelineName="app", pipelineExecutionId=execution_id)
    summary = cp.list_pipeline_executions(pipelineName="app")["pipelineExecutionSummaries"][0]
    assert summary["status"] in ("Stopping", "Stopped")
    assert wait_status(cp, "app", execution_id, "Stopped")["status"] == "Stopped"
    assert build_state(cp)["status"] == "Succeeded"
    (build,) = client("codebuild").batch_get_builds(ids=[build_id])["builds"]
    assert build["buildStatus"] == "SUCCEEDED"


def test_build_across_a_sigkill_is_followed_after_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        cp = set_up(server.client, command="sleep 30")
        execution_id = only_execution(cp, "app")
        build_id = wait_build_started(cp)
        server.kill()

        server = ServerProcess(tmp_path / "data").start()
        cp = server.client("codepipeline")
        done = wait_status(cp, "app", execution_id, "Succeeded", "Failed", "Stopped")
        # CodeBuild fails a build whose processes died with the server; the action
        # follows that same build and fails with its status.
        (build,) = server.client("codebuild").batch_get_builds(ids=[build_id])["builds"]
        assert build["buildStatus"] == "FAILED"
        assert done["status"] == "Failed"
        latest = build_state(cp)
        assert latest["externalExecutionId"] == build_id
        assert latest["summary"] == "Build terminated with state: FAILED"
    finally:
        server.stop()
