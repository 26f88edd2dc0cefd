"""A CodeCommit source through the real server: a `git push` to the configured branch
starts an execution on the pushed commit; the source artifact is the tree as a zip; a
push to another branch starts nothing."""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.codepipeline_declarations import action_type, approval, pipeline
from tests.codepipeline_waits import only_execution, wait_status, wait_token


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


def codecommit_source(repository: str, branch: str) -> dict[str, Any]:
    return {
        "name": "Source",
        "actionTypeId": action_type("Source", "CodeCommit"),
        "configuration": {
            "RepositoryName": repository,
            "BranchName": branch,
            "PollForSourceChanges": "false",
        },
        "outputArtifacts": [{"name": "SourceArtifact"}],
        "namespace": "SourceVariables",
    }


def executions(cp: Any, name: str) -> list[dict[str, Any]]:
    return list(cp.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"])


def test_push_starts_the_pipeline_on_the_pushed_commit(
    client: Callable[..., Any], tmp_path: Path
) -> None:
    repo = client("codecommit").create_repository(repositoryName="app")["repositoryMetadata"]
    cp = client("codepipeline")
    gate = approval(configuration={"CustomData": "commit #{SourceVariables.CommitId}"})
    cp.create_pipeline(
        pipeline=pipeline(
            "app", [("Source", [codecommit_source("app", "main")]), ("Approval", [gate])]
        )
    )
    first = only_execution(cp, "app")
    failed = wait_status(cp, "app", first, "Failed", "Succeeded")
    assert failed["status"] == "Failed"  # the repository has no main branch yet
    source_state = cp.get_pipeline_state(name="app")["stageStates"][0]["actionStates"][0]
    assert source_state["latestExecution"]["errorDetails"]["code"] == "RevisionUnavailable"

    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "src" / "model.py").write_text("print('iris')\n")
    (work / "run.sh").write_text("#!/bin/sh\necho run\n")
    (work / "run.sh").chmod(0o755)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "First model\n\nWith a body.")
    commit = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", repo["cloneUrlHttp"], "main")

    deadline = time.monotonic() + 30
    while len(executions(cp, "app")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    execution_id = executions(cp, "app")[0]["pipelineExecutionId"]
    wait_token(cp, "app", "Approval", execution_id)
    pushed = executions(cp, "app")[0]
    assert pushed["trigger"]["triggerType"] == "CloudWatchEvent"
    assert pushed["sourceRevisions"] == [
        {
            "actionName": "Source",
            "revisionId": commit,
            "revisionSummary": "First model\n\nWith a body.",
        }
    ]

    state = cp.get_pipeline_state(name="app")
    source_state = state["stageStates"][0]["actionStates"][0]
    assert source_state["currentRevision"]["revisionId"] == commit
    assert source_state["latestExecution"]["summary"].startswith("First model")
    details = cp.list_action_executions(
        pipelineName="app", filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    by_name = {d["actionName"]: d for d in details}
    variables = by_name["Source"]["output"]["outputVariables"]
    assert variables["CommitId"] == commit
    assert variables["BranchName"] == "main" and variables["RepositoryName"] == "app"
    resolved = by_name["Approve"]["input"]["resolvedConfiguration"]
    assert resolved["CustomData"] == f"commit {commit}"

    (artifact,) = by_name["Source"]["output"]["outputArtifacts"]
    location = artifact["s3location"]
    body = client("s3").get_object(Bucket=location["bucket"], Key=location["key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == ["run.sh", "src/model.py"]
        assert archive.read("src/model.py") == b"print('iris')\n"
        assert (archive.getinfo("run.sh").external_attr >> 16) & 0o111

    # A push to another branch starts nothing.
    git(work, "push", "-q", repo["cloneUrlHttp"], "main:feature")
    time.sleep(0.5)
    assert len(executions(cp, "app")) == 2
