"""GetPipelineState and ListActionExecutions: what ran where, latest first."""

from __future__ import annotations

import json
from typing import Any

from irisops.core.clock import from_epoch_ms
from irisops.core.context import RequestContext
from irisops.engines.codepipeline.supervisor import PipelineSupervisor
from irisops.services.base import Service
from irisops.services.codepipeline import paging, records
from irisops.services.codepipeline.errors import execution_not_found
from irisops.services.codepipeline.lookups import pipeline_row

DEFAULT_MAX_ACTION_EXECUTIONS = 100


class StateOperations(Service):
    supervisor: PipelineSupervisor

    async def get_pipeline_state(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["name"])
        declaration = json.loads(pipeline["declaration"])
        states = []
        for index, stage in enumerate(declaration["stages"]):
            state: dict[str, Any] = {"stageName": stage["name"]}
            if index > 0:
                state["inboundTransitionState"] = {"enabled": True}
            waiting = self.supervisor.gates.waiting(pipeline["id"], stage["name"])
            if waiting:
                inbound = [
                    {"pipelineExecutionId": w, "status": "InProgress", "type": "STANDARD"}
                    for w in waiting
                ]
                state["inboundExecution"] = inbound[-1]
                state["inboundExecutions"] = inbound
            latest = self.store.read_one(
                "SELECT execution_id, status FROM codepipeline_stage_executions "
                "WHERE pipeline_id = ? AND stage = ? ORDER BY entered_seq DESC LIMIT 1",
                (pipeline["id"], stage["name"]),
            )
            if latest is not None:
                state["latestExecution"] = {
                    "pipelineExecutionId": latest["execution_id"],
                    "status": latest["status"],
                    "type": "STANDARD",
                }
            state["actionStates"] = [
                self._action_state(pipeline["id"], stage["name"], action)
                for action in stage["actions"]
            ]
            states.append(state)
        return {
            "pipelineName": pipeline["name"],
            "pipelineVersion": pipeline["version"],
            "stageStates": states,
            "created": from_epoch_ms(pipeline["created"]),
            "updated": from_epoch_ms(pipeline["updated"]),
        }

    def _action_state(self, pipeline_id: int, stage: str, action: dict[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {"actionName": action["name"]}
        latest = self.store.read_one(
            "SELECT * FROM codepipeline_action_executions "
            "WHERE pipeline_id = ? AND stage = ? AND action = ? ORDER BY seq DESC LIMIT 1",
            (pipeline_id, stage, action["name"]),
        )
        if latest is not None:
            state["latestExecution"] = records.action_execution(latest)
        revised = self.store.read_one(
            "SELECT revision FROM codepipeline_action_executions WHERE pipeline_id = ? AND "
            "stage = ? AND action = ? AND status = 'Succeeded' AND revision IS NOT NULL "
            "ORDER BY seq DESC LIMIT 1",
            (pipeline_id, stage, action["name"]),
        )
        if revised is not None:
            revision = json.loads(revised["revision"])
            state["currentRevision"] = {
                "revisionId": revision["revisionId"],
                "revisionChangeId": revision.get("revisionChangeId") or revision["revisionId"],
                "created": from_epoch_ms(revision["created"]),
            }
        return state

    async def list_action_executions(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["pipelineName"])
        limit = params.get("maxResults") or DEFAULT_MAX_ACTION_EXECUTIONS
        where, args = "pipeline_id = ?", [pipeline["id"]]
        execution_id = (params.get("filter") or {}).get("pipelineExecutionId")
        if execution_id:
            exists = self.store.read_one(
                "SELECT 1 FROM codepipeline_executions WHERE id = ? AND pipeline_id = ?",
                (execution_id, pipeline["id"]),
            )
            if exists is None:
                raise execution_not_found(pipeline["name"], execution_id)
            where += " AND execution_id = ?"
            args.append(execution_id)
        if token := params.get("nextToken"):
            (before,) = paging.decode(token, "actions")
            where += " AND seq < ?"
            args.append(int(before))
        rows = await self.store.query(
            f"SELECT * FROM codepipeline_action_executions WHERE {where} ORDER BY seq DESC LIMIT ?",
            [*args, limit + 1],
        )
        out: dict[str, Any] = {
            "actionExecutionDetails": [records.action_execution_detail(r) for r in rows[:limit]]
        }
        if len(rows) > limit:
            out["nextToken"] = paging.encode("actions", rows[limit - 1]["seq"])
        return out
