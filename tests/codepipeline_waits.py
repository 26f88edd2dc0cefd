"""Waiting on CodePipeline through boto3 (integration tests)."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

TIMEOUT_S = 60.0


def zipped(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buf.getvalue()


def wait_status(
    codepipeline: Any, name: str, execution_id: str, *final: str, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        execution = codepipeline.get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=execution_id
        )["pipelineExecution"]
        if execution["status"] in final:
            return dict(execution)
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {execution_id} still {execution['status']}")
        time.sleep(0.1)


def wait_token(
    codepipeline: Any, name: str, stage: str, execution_id: str, timeout: float = TIMEOUT_S
) -> str:
    """The token of the approval action in ``stage`` once ``execution_id`` waits there."""
    deadline = time.monotonic() + timeout
    while True:
        state = codepipeline.get_pipeline_state(name=name)
        stage_state = next(s for s in state["stageStates"] if s["stageName"] == stage)
        latest = stage_state["actionStates"][0].get("latestExecution") or {}
        running = stage_state.get("latestExecution") or {}
        if latest.get("token") and running.get("pipelineExecutionId") == execution_id:
            return str(latest["token"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no approval waiting in {stage} for {execution_id}")
        time.sleep(0.1)


def only_execution(codepipeline: Any, name: str, timeout: float = TIMEOUT_S) -> str:
    deadline = time.monotonic() + timeout
    while True:
        summaries = codepipeline.list_pipeline_executions(pipelineName=name)[
            "pipelineExecutionSummaries"
        ]
        if summaries:
            assert len(summaries) == 1, summaries
            return str(summaries[0]["pipelineExecutionId"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no execution of {name}")
        time.sleep(0.1)
