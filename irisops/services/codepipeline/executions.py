"""Execution operations: start, get, list, stop."""

from __future__ import annotations

import json
from typing import Any

from irisops.core.context import RequestContext
from irisops.engines.codepipeline.model import EXECUTION_SELECT, Execution
from irisops.engines.codepipeline.supervisor import PipelineSupervisor
from irisops.services.base import Service
from irisops.services.codepipeline import paging, records
from irisops.services.codepipeline.errors import (
    CodePipelineValidation,
    DuplicatedStopRequest,
    PipelineExecutionNotStoppable,
)
from irisops.services.codepipeline.lookups import execution_for, execution_row, pipeline_row

DEFAULT_MAX_EXECUTIONS = 100

#: Which override type each source provider takes.
OVERRIDE_TYPES = {"CodeCommit": "COMMIT_ID", "S3": "S3_OBJECT_KEY"}


class ExecutionOperations(Service):
    supervisor: PipelineSupervisor

    async def start_pipeline_execution(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["name"])
        declaration = json.loads(pipeline["declaration"])
        overrides = _source_overrides(declaration, params.get("sourceRevisions") or [])
        variables = _variables(declaration, params.get("variables") or [])
        execution = await self.supervisor.start_execution(
            pipeline,
            trigger_type="StartPipelineExecution",
            trigger_detail=f"arn:aws:iam::{ctx.account}:root",
            source_overrides=overrides,
            variables=variables,
            client_request_token=params.get("clientRequestToken"),
        )
        return {"pipelineExecutionId": execution.id}

    async def get_pipeline_execution(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["pipelineName"])
        row = execution_row(self.store, ctx, pipeline, params["pipelineExecutionId"])
        return {
            "pipelineExecution": records.pipeline_execution(row, self._source_actions([row["id"]]))
        }

    async def list_pipeline_executions(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = pipeline_row(self.store, ctx, params["pipelineName"])
        limit = params.get("maxResults") or DEFAULT_MAX_EXECUTIONS
        where, args = "e.pipeline_id = ?", [pipeline["id"]]
        if token := params.get("nextToken"):
            (before,) = paging.decode(token, "executions")
            where += " AND e.seq < ?"
            args.append(int(before))
        stage = ((params.get("filter") or {}).get("succeededInStage") or {}).get("stageName")
        if stage:
            where += (
                " AND EXISTS (SELECT 1 FROM codepipeline_stage_executions s WHERE "
                "s.execution_id = e.id AND s.stage = ? AND s.status = 'Succeeded')"
            )
            args.append(stage)
        rows = await self.store.query(
            f"{EXECUTION_SELECT} WHERE {where} ORDER BY e.seq DESC LIMIT ?", [*args, limit + 1]
        )
        page = rows[:limit]
        actions = self._source_actions([r["id"] for r in page])
        out: dict[str, Any] = {
            "pipelineExecutionSummaries": [
                records.execution_summary(r, [a for a in actions if a["execution_id"] == r["id"]])
                for r in page
            ]
        }
        if len(rows) > limit:
            out["nextToken"] = paging.encode("executions", page[-1]["seq"])
        return out

    async def stop_pipeline_execution(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        _, execution = execution_for(
            self.store, ctx, params["pipelineName"], params["pipelineExecutionId"]
        )
        abandon = bool(params.get("abandon"))
        self._check_stoppable(execution, abandon)
        stopping = await self.supervisor.stop_execution(
            execution, abandon=abandon, reason=params.get("reason") or ""
        )
        if not stopping:
            _, ended = execution_for(
                self.store, ctx, params["pipelineName"], params["pipelineExecutionId"]
            )
            self._check_stoppable(ended, abandon)
        return {"pipelineExecutionId": execution.id}

    def _check_stoppable(self, execution: Execution, abandon: bool) -> None:
        if execution.status == "Stopping":
            row = self.store.read_one(
                "SELECT stop_abandon FROM codepipeline_executions WHERE id = ?", (execution.id,)
            )
            if not abandon or (row is not None and row["stop_abandon"]):
                raise DuplicatedStopRequest(  # unconfirmed text
                    f"Pipeline execution {execution.id} is already being stopped"
                )
            return
        if execution.status != "InProgress":
            raise PipelineExecutionNotStoppable(  # unconfirmed text
                f"Unable to stop pipeline execution {execution.id}: its status is "
                f"{execution.status}"
            )

    def _source_actions(self, execution_ids: list[str]) -> list[Any]:
        if not execution_ids:
            return []
        return self.store.read(
            "SELECT * FROM codepipeline_action_executions WHERE revision IS NOT NULL AND "
            "execution_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
            (json.dumps(execution_ids),),
        )


def _source_overrides(
    declaration: dict[str, Any], overrides: list[dict[str, str]]
) -> dict[str, str]:
    sources = {a["name"]: a for a in declaration["stages"][0]["actions"]}
    out: dict[str, str] = {}
    for item in overrides:
        action = sources.get(item["actionName"])
        if action is None:
            raise CodePipelineValidation(  # unconfirmed text
                f"Source action '{item['actionName']}' does not exist in the pipeline"
            )
        provider = action["actionTypeId"]["provider"]
        if OVERRIDE_TYPES.get(provider) != item["revisionType"]:
            raise CodePipelineValidation(  # unconfirmed text
                f"Revision type {item['revisionType']} is not supported for the {provider} "
                f"source action '{item['actionName']}'"
            )
        out[item["actionName"]] = item["revisionValue"]
    return out


def _variables(declaration: dict[str, Any], given: list[dict[str, str]]) -> list[dict[str, str]]:
    declared = {v["name"] for v in declaration.get("variables") or []}
    for item in given:
        if item["name"] not in declared:
            raise CodePipelineValidation(  # unconfirmed text
                f"Variable '{item['name']}' is not declared in the pipeline"
            )
    return [{"name": v["name"], "value": v["value"]} for v in given]
