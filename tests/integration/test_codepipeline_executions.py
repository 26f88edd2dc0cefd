"""Executions through boto3: an S3 source and a manual approval, approved, rejected,
stopped; artifacts in the artifact store; a waiting approval across a SIGKILL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.codepipeline_declarations import approval_pipeline
from tests.codepipeline_waits import only_execution, wait_status, wait_token, zipped


def approve(cp: Any, name: str, token: str, status: str, summary: str) -> Any:
    return cp.put_approval_result(
        pipelineName=name,
        stageName="Approval",
        actionName="Approve",
        result={"status": status, "summary": summary},
        token=token,
    )


@pytest.fixture
def source(client: Callable[..., Any]) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket="src")
    s3.put_object(Bucket="src", Key="app.zip", Body=zipped({"model.py": "print(1)\n"}))
    return s3


def test_approved_execution_succeeds(client: Callable[..., Any], source: Any) -> None:
    cp = client("codepipeline")
    cp.create_pipeline(pipeline=approval_pipeline("app", "src", "app.zip"))
    execution_id = only_execution(cp, "app")
    token = wait_token(cp, "app", "Approval", execution_id)
    state = cp.get_pipeline_state(name="app")
    source_state, approval_state = state["stageStates"]
    assert source_state["latestExecution"]["status"] == "Succeeded"
    assert approval_state["latestExecution"]["status"] == "InProgress"
    etag = source.head_object(Bucket="src", Key="app.zip")["ETag"].strip('"')
    assert source_state["actionStates"][0]["currentRevision"]["revisionId"] == etag

    with pytest.raises(ClientError) as caught:
        approve(cp, "app", "00000000-0000-0000-0000-000000000000", "Approved", "x")
    assert caught.value.response["Error"]["Code"] == "InvalidApprovalTokenException"
    assert approve(cp, "app", token, "Approved", "ship it")["approvedAt"]
    execution = wait_status(cp, "app", execution_id, "Succeeded", "Failed")
    assert execution["status"] == "Succeeded"
    assert execution["trigger"]["triggerType"] == "CreatePipeline"
    (revision,) = execution["artifactRevisions"]
    assert revision["name"] == "SourceArtifact" and revision["revisionId"] == etag
    with pytest.raises(ClientError) as caught:
        approve(cp, "app", token, "Approved", "again")
    assert caught.value.response["Error"]["Code"] == "ApprovalAlreadyCompletedException"

    state = cp.get_pipeline_state(name="app")
    assert [s["latestExecution"]["status"] for s in state["stageStates"]] == [
        "Succeeded",
        "Succeeded",
    ]
    assert state["stageStates"][1]["actionStates"][0]["latestExecution"]["summary"] == "ship it"

    details = cp.list_action_executions(
        pipelineName="app", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    by_name = {d["actionName"]: d for d in details}
    (artifact,) = by_name["Source"]["output"]["outputArtifacts"]
    location = artifact["s3location"]
    assert location["bucket"] == "artifacts"
    assert location["key"].startswith("app/SourceArti/")
    stored = source.get_object(Bucket=location["bucket"], Key=location["key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        assert archive.read("model.py") == b"print(1)\n"


def test_rejected_execution_fails(client: Callable[..., Any], source: Any) -> None:
    cp = client("codepipeline")
    cp.create_pipeline(pipeline=approval_pipeline("app", "src", "app.zip"))
    execution_id = only_execution(cp, "app")
    approve(cp, "app", wait_token(cp, "app", "Approval", execution_id), "Rejected", "not yet")
    assert wait_status(cp, "app", execution_id, "Succeeded", "Failed")["status"] == "Failed"
    state = cp.get_pipeline_state(name="app")
    latest = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert latest["status"] == "Failed" and latest["summary"] == "not yet"
    assert state["stageStates"][1]["latestExecution"]["status"] == "Failed"


def test_stop_execution(client: Callable[..., Any], source: Any) -> None:
    cp = client("codepipeline")
    cp.create_pipeline(pipeline=approval_pipeline("app", "src", "app.zip"))
    first = only_execution(cp, "app")
    wait_token(cp, "app", "Approval", first)
    cp.stop_pipeline_execution(
        pipelineName="app", pipelineExecutionId=first, abandon=True, reason="wrong commit"
    )
    assert wait_status(cp, "app", first, "Stopped")["status"] == "Stopped"
    latest = cp.get_pipeline_state(name="app")["stageStates"][1]["actionStates"][0]
    assert latest["latestExecution"]["status"] == "Abandoned"
    with pytest.raises(ClientError) as caught:
        cp.stop_pipeline_execution(pipelineName="app", pipelineExecutionId=first)
    assert caught.value.response["Error"]["Code"] == "PipelineExecutionNotStoppableException"

    second = cp.start_pipeline_execution(name="app", clientRequestToken="retry-1")[
        "pipelineExecutionId"
    ]
    # The same client request token is the same execution (a retried call).
    again = cp.start_pipeline_execution(name="app", clientRequestToken="retry-1")
    assert again["pipelineExecutionId"] == second
    wait_token(cp, "app", "Approval", second)
    cp.stop_pipeline_execution(pipelineName="app", pipelineExecutionId=second)
    assert wait_status(cp, "app", second, "Stopped")["status"] == "Stopped"
    summaries = cp.list_pipeline_executions(pipelineName="app")["pipelineExecutionSummaries"]
    assert [(s["pipelineExecutionId"], s["status"]) for s in summaries] == [
        (second, "Stopped"),
        (first, "Stopped"),
    ]
    assert summaries[1]["stopTrigger"] == {"reason": "wrong commit"}
    assert summaries[0]["trigger"]["triggerType"] == "StartPipelineExecution"


def test_waiting_approval_survives_sigkill(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="src")
        s3.put_object(Bucket="src", Key="app.zip", Body=zipped({"a.txt": "a"}))
        cp = server.client("codepipeline")
        cp.create_pipeline(pipeline=approval_pipeline("app", "src", "app.zip"))
        execution_id = only_execution(cp, "app")
        token = wait_token(cp, "app", "Approval", execution_id)
        server.kill()

        server = ServerProcess(tmp_path / "data").start()
        cp = server.client("codepipeline")
        assert wait_token(cp, "app", "Approval", execution_id) == token
        approve(cp, "app", token, "Approved", "after the crash")
        assert wait_status(cp, "app", execution_id, "Succeeded")["status"] == "Succeeded"
    finally:
        server.stop()
