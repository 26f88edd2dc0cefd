"""Pipelines' latest executions, stage by stage, and the build each one ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from irisops.tui.aws import Aws

#: Which status wins when a stage's actions disagree.
STAGE_PRECEDENCE = ["Failed", "Stopped", "Stopping", "InProgress", "Abandoned", "Succeeded"]


@dataclass
class ExecutionRow:
    pipeline: str
    execution_id: str
    status: str
    commit: str
    #: (stage name, status or "" when the execution has not reached it), in order.
    stages: list[tuple[str, str]]
    started: datetime | None = None
    updated: datetime | None = None
    build_ids: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.pipeline}/{self.execution_id}"

    @property
    def ended(self) -> datetime | None:
        return None if self.status in ("InProgress", "Stopping") else self.updated


@dataclass
class BuildLog:
    build_id: str
    status: str
    phase: str
    group: str
    stream: str


def stage_status(statuses: list[str]) -> str:
    for status in STAGE_PRECEDENCE:
        if status in statuses:
            return status
    return statuses[0] if statuses else ""


def pipeline_executions(aws: Aws, per_pipeline: int = 3) -> list[ExecutionRow]:
    cp = aws.client("codepipeline")
    rows: list[ExecutionRow] = []
    for summary in cp.list_pipelines()["pipelines"]:
        rows += _executions(cp, summary["name"], per_pipeline)
    return rows


def _executions(cp: Any, name: str, limit: int) -> list[ExecutionRow]:
    order = [s["stageName"] for s in cp.get_pipeline_state(name=name)["stageStates"]]
    executions = cp.list_pipeline_executions(pipelineName=name, maxResults=limit)[
        "pipelineExecutionSummaries"
    ]
    if not executions:
        return []
    actions = cp.list_action_executions(pipelineName=name, maxResults=100)["actionExecutionDetails"]
    rows = []
    for ex in executions:
        mine = [a for a in actions if a["pipelineExecutionId"] == ex["pipelineExecutionId"]]
        by_stage: dict[str, list[str]] = {}
        build_ids = []
        for action in reversed(mine):
            by_stage.setdefault(action["stageName"], []).append(action["status"])
            result = (action.get("output") or {}).get("executionResult") or {}
            provider = action.get("input", {}).get("actionTypeId", {}).get("provider")
            if provider == "CodeBuild" and result.get("externalExecutionId"):
                build_ids.append(result["externalExecutionId"])
        revisions = ex.get("sourceRevisions") or []
        rows.append(
            ExecutionRow(
                pipeline=name,
                execution_id=ex["pipelineExecutionId"],
                status=ex["status"],
                commit=(revisions[0].get("revisionId") or "")[:8] if revisions else "",
                stages=[(stage, stage_status(by_stage.get(stage, []))) for stage in order],
                started=ex.get("startTime"),
                updated=ex.get("lastUpdateTime"),
                build_ids=build_ids,
            )
        )
    return rows


def build_log(aws: Aws, build_id: str) -> BuildLog | None:
    builds = aws.client("codebuild").batch_get_builds(ids=[build_id])["builds"]
    if not builds:
        return None
    build = builds[0]
    logs = build.get("logs") or {}
    return BuildLog(
        build_id=build_id,
        status=build.get("buildStatus", ""),
        phase=build.get("currentPhase", ""),
        group=logs.get("groupName", ""),
        stream=logs.get("streamName", ""),
    )
