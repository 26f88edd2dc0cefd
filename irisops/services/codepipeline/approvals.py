"""PutApprovalResult: the decision on a waiting Approval / Manual action."""

from __future__ import annotations

import json
from typing import Any

from irisops.core.clock import epoch_ms, from_epoch_ms
from irisops.core.context import RequestContext
from irisops.engines.codepipeline.supervisor import PipelineSupervisor
from irisops.services.base import Service
from irisops.services.codepipeline.errors import (
    ActionNotFound,
    ApprovalAlreadyCompleted,
    InvalidApprovalToken,
    StageNotFound,
)
from irisops.services.codepipeline.lookups import pipeline_row


class ApprovalOperations(Service):
    supervisor: PipelineSupervisor

    async def put_approval_result(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["pipelineName"])
        stage_name, action_name = params["stageName"], params["actionName"]
        declaration = json.loads(pipeline["declaration"])
        stage = next((s for s in declaration["stages"] if s["name"] == stage_name), None)
        if stage is None:
            raise StageNotFound(  # unconfirmed text
                f"Stage '{stage_name}' does not exist in pipeline '{pipeline['name']}'"
            )
        if not any(a["name"] == action_name for a in stage["actions"]):
            raise ActionNotFound(  # unconfirmed text
                f"Action '{action_name}' does not exist in stage '{stage_name}'"
            )
        row = self.store.read_one(
            "SELECT id FROM codepipeline_action_executions "
            "WHERE token = ? AND pipeline_id = ? AND stage = ? AND action = ?",
            (params["token"], pipeline["id"], stage_name, action_name),
        )
        if row is None:
            raise InvalidApprovalToken(  # unconfirmed text
                f"The approval token {params['token']} is not valid for action "
                f"'{action_name}' in stage '{stage_name}'"
            )
        result = params["result"]
        now = epoch_ms()
        changed = await self.store.execute(
            "UPDATE codepipeline_action_executions SET approval_status = ?, "
            "approval_summary = ?, updated_by = ?, last_update_time = ? "
            "WHERE id = ? AND status = 'InProgress' AND approval_status IS NULL",
            (
                result["status"],
                result["summary"],
                f"arn:aws:iam::{ctx.account}:root",
                now,
                row["id"],
            ),
        )
        if not changed:
            raise ApprovalAlreadyCompleted(  # unconfirmed text
                f"The approval action '{action_name}' has already been completed"
            )
        self.supervisor.approvals.decide(row["id"], result["status"], result["summary"])
        return {"approvedAt": from_epoch_ms(now)}
