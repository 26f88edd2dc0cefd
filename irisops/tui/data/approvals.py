"""CodePipeline manual approvals waiting for a decision, and taking one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from irisops.tui.aws import Aws


@dataclass
class PendingApproval:
    pipeline: str
    stage: str
    action: str
    token: str
    execution_id: str
    since: datetime | None

    @property
    def key(self) -> str:
        return f"{self.pipeline}/{self.stage}/{self.action}/{self.token}"


def pending_approvals(aws: Aws) -> list[PendingApproval]:
    cp = aws.client("codepipeline")
    out = []
    for summary in cp.list_pipelines()["pipelines"]:
        state = cp.get_pipeline_state(name=summary["name"])
        for stage in state["stageStates"]:
            execution = (stage.get("latestExecution") or {}).get("pipelineExecutionId", "")
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution") or {}
                if latest.get("status") == "InProgress" and latest.get("token"):
                    out.append(
                        PendingApproval(
                            pipeline=summary["name"],
                            stage=stage["stageName"],
                            action=action["actionName"],
                            token=latest["token"],
                            execution_id=execution,
                            since=latest.get("lastStatusChange"),
                        )
                    )
    return out


def decide(aws: Aws, approval: PendingApproval, approve: bool, summary: str) -> None:
    aws.client("codepipeline").put_approval_result(
        pipelineName=approval.pipeline,
        stageName=approval.stage,
        actionName=approval.action,
        token=approval.token,
        result={"status": "Approved" if approve else "Rejected", "summary": summary},
    )
