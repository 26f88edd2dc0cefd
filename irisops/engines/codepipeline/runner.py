"""One pipeline execution, stage by stage: the asyncio task the supervisor owns.

Actions of a stage run in groups of equal ``runOrder`` (lowest first, the group's
actions concurrently); a stage fails when any of its actions fails, and the execution
with it. Stage gates (see gates.py) decide when the execution may enter a stage.

Stopping: ``abandon`` cancels the task; the cancellation is recorded as running actions
Abandoned, stages and execution Stopped. Without ``abandon`` running actions finish
(approvals, which do no work, are abandoned), no further group or stage starts, and the
execution ends Stopped. A cancellation for any other reason (server shutdown) records
nothing: the execution is reconciled at the next start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sqlite3
from typing import TYPE_CHECKING, Any

from irisops.engines.codepipeline.actions import provider_for
from irisops.engines.codepipeline.actions.base import (
    ActionContext,
    ActionFailed,
    ActionOutcome,
    Artifact,
)
from irisops.engines.codepipeline.artifacts import artifact_key
from irisops.engines.codepipeline.model import Execution
from irisops.engines.codepipeline.variables import resolve

if TYPE_CHECKING:
    from irisops.engines.codepipeline.supervisor import PipelineSupervisor

log = logging.getLogger("irisops.codepipeline")

SUCCEEDED, FAILED, STOPPED = "Succeeded", "Failed", "Stopped"


class ExecutionRunner:
    def __init__(self, supervisor: PipelineSupervisor, execution: Execution) -> None:
        self.supervisor = supervisor
        self.journal = supervisor.journal
        self.execution = execution
        self.task: asyncio.Task[None] | None = None
        self.stopping = False
        self.abandoning = False
        #: The pipeline was deleted or the server reset: end without writing anything.
        self.discarding = False
        self.at_gate = False
        self.failure: str | None = None
        self._running: dict[str, tuple[asyncio.Task[ActionOutcome], Any]] = {}
        self._stop_cancelled: set[str] = set()
        self.artifacts: dict[str, Artifact] = {}
        self.namespaces: dict[str, dict[str, str]] = {
            "codepipeline": {"PipelineExecutionId": execution.id},
            "variables": self._pipeline_variables(),
        }

    def _pipeline_variables(self) -> dict[str, str]:
        values = {
            v["name"]: v.get("defaultValue", "")
            for v in self.execution.declaration.get("variables") or []
        }
        values.update({v["name"]: v["value"] for v in self.execution.variables})
        return values

    # -- control ------------------------------------------------------------------------

    def request_stop(self, *, abandon: bool) -> None:
        self.stopping = True
        if abandon or self.at_gate:
            self.abandoning = True
            if self.task is not None:
                self.task.cancel()
            return
        for action_id, (task, provider) in self._running.items():
            if getattr(provider, "abandon_on_stop", False):
                self._stop_cancelled.add(action_id)
                task.cancel()

    def discard(self) -> None:
        self.discarding = True
        if self.task is not None:
            self.task.cancel()

    # -- the execution ------------------------------------------------------------------

    async def run(self, resume: bool = False) -> None:
        execution = self.execution
        try:
            await self._run(resume)
        except asyncio.CancelledError:
            if self.discarding:
                return
            if self.abandoning:
                await self.journal.abandon_execution(execution, "Stopped by a user request")
                return
            raise
        except Exception as exc:
            log.exception("pipeline execution %s failed", execution.id)
            await self.journal.fail_interrupted(execution, f"Internal error in irisops: {exc}")
        finally:
            self.supervisor.gates.release_all(execution.pipeline_id, execution.id)

    async def _run(self, resume: bool) -> None:
        execution = self.execution
        stages_done, actions_done = self._recorded() if resume else ({}, {})
        gates = self.supervisor.gates
        for stage in execution.declaration["stages"]:
            name = stage["name"]
            if stages_done.get(name) == SUCCEEDED:
                continue
            self.at_gate = True
            entered = await gates.enter(
                execution.pipeline_id, name, execution.id, execution.seq, execution.mode
            )
            self.at_gate = False
            if not entered:
                await self.journal.set_execution_status(
                    execution, "Superseded", "Superseded by a newer execution"
                )
                return
            if self.stopping:
                await self.journal.set_execution_status(execution, STOPPED)
                return
            await self.journal.set_stage_status(execution, name, "InProgress")
            result = await self._run_stage(stage, actions_done)
            await self.journal.set_stage_status(execution, name, result)
            # A finished stage is free again: this execution now waits in the transition.
            gates.release(execution.pipeline_id, name, execution.id)
            if result == FAILED:
                await self.journal.set_execution_status(execution, FAILED, self.failure)
                return
            if result == STOPPED or self.stopping:
                await self.journal.set_execution_status(execution, STOPPED)
                return
        await self.journal.set_execution_status(execution, SUCCEEDED)

    async def _run_stage(
        self, stage: dict[str, Any], recorded: dict[tuple[str, str], sqlite3.Row]
    ) -> str:
        actions = stage["actions"]
        for run_order in sorted({a.get("runOrder", 1) for a in actions}):
            if self.stopping:
                return STOPPED
            group = [a for a in actions if a.get("runOrder", 1) == run_order]
            results = await asyncio.gather(
                *(
                    self._run_action(stage["name"], a, recorded.get((stage["name"], a["name"])))
                    for a in group
                )
            )
            if FAILED in results:
                return FAILED
            if STOPPED in results:
                return STOPPED
        return SUCCEEDED

    async def _run_action(self, stage: str, action: dict[str, Any], row: sqlite3.Row | None) -> str:
        execution = self.execution
        if row is not None and row["status"] == SUCCEEDED:
            return SUCCEEDED
        if row is not None and row["status"] != "InProgress":
            self.failure = row["summary"] or f"Action '{action['name']}' failed"
            return FAILED
        provider = provider_for(action["actionTypeId"])
        inputs = [self.artifacts[a["name"]] for a in action.get("inputArtifacts", [])]
        unresolved: ActionFailed | None = None
        try:
            configuration = resolve(action.get("configuration") or {}, self.namespaces)
        except ActionFailed as failure:
            configuration, unresolved = dict(action.get("configuration") or {}), failure
        if row is not None:
            action_id = row["id"]
            outputs = [
                Artifact(o["name"], o["s3location"]["bucket"], o["s3location"]["key"])
                for o in json.loads(row["output_artifacts"])
            ]
        else:
            bucket = execution.artifact_bucket
            outputs = [
                Artifact(o["name"], bucket, artifact_key(execution.pipeline_name, o["name"]))
                for o in action.get("outputArtifacts", [])
            ]
            action_id = await self.journal.start_action(
                execution, stage, action["name"], self._input_record(action, inputs, configuration),
                [o.detail() for o in outputs],
            )  # fmt: skip
        scratch = self.supervisor.work_dir(action_id)
        try:
            if unresolved is not None:
                raise unresolved
            ctx = ActionContext(
                runtime=self.supervisor.runtime,
                supervisor=self.supervisor,
                journal=self.journal,
                execution=execution,
                stage=stage,
                action=action,
                configuration=configuration,
                action_id=action_id,
                inputs=inputs,
                outputs=outputs,
                scratch=scratch,
                row=row,
            )
            if provider is None:
                raise ActionFailed("ConfigurationError", "irisops does not run this action type")
            work = provider.resume(ctx) if row is not None else provider.run(ctx)
            task: asyncio.Task[ActionOutcome] = asyncio.ensure_future(work)
            self._running[action_id] = (task, provider)
            try:
                outcome = await task
            finally:
                self._running.pop(action_id, None)
        except ActionFailed as failure:
            self.failure = failure.message
            await self.journal.finish_action(
                execution, stage, action["name"], action_id, FAILED,
                summary=failure.message, error=(failure.code, failure.message),
                external_execution_id=failure.external_execution_id,
            )  # fmt: skip
            return FAILED
        except asyncio.CancelledError:
            if action_id in self._stop_cancelled and not self._cancelling():
                await self.journal.finish_action(
                    execution, stage, action["name"], action_id, "Abandoned"
                )
                return STOPPED
            raise
        except Exception as exc:
            log.exception("action %s of execution %s failed", action["name"], execution.id)
            message = f"Internal error in irisops: {exc}"
            self.failure = message
            await self.journal.finish_action(
                execution, stage, action["name"], action_id, FAILED,
                summary=message, error=("JobFailed", message),
            )  # fmt: skip
            return FAILED
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for artifact in outputs:
            artifact.commit = outcome.commit
            self.artifacts[artifact.name] = artifact
        if action.get("namespace"):
            self.namespaces[action["namespace"]] = outcome.variables
        await self.journal.finish_action(
            execution, stage, action["name"], action_id, SUCCEEDED,
            summary=outcome.summary, revision=outcome.revision,
            output_variables=outcome.variables,
            external_execution_id=outcome.external_execution_id,
        )  # fmt: skip
        return SUCCEEDED

    def _cancelling(self) -> bool:
        """True when this runner's own task is being cancelled (shutdown, abandon)."""
        task = asyncio.current_task()
        return bool(task is not None and task.cancelling())

    def _input_record(
        self, action: dict[str, Any], inputs: list[Artifact], configuration: dict[str, str]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "actionTypeId": action["actionTypeId"],
            "configuration": action.get("configuration") or {},
            "resolvedConfiguration": configuration,
            "region": action.get("region") or self.execution.region,
            "inputArtifacts": [a.detail() for a in inputs],
        }
        if action.get("namespace"):
            record["namespace"] = action["namespace"]
        if action.get("roleArn"):
            record["roleArn"] = action["roleArn"]
        return record

    def _recorded(
        self,
    ) -> tuple[dict[str, str], dict[tuple[str, str], sqlite3.Row]]:
        """What a resumed execution already did: stage statuses, latest action rows,
        and the artifacts and variables of its succeeded actions."""
        store = self.supervisor.store
        stages = {
            row["stage"]: row["status"]
            for row in store.read(
                "SELECT stage, status FROM codepipeline_stage_executions WHERE execution_id = ?",
                (self.execution.id,),
            )
        }
        actions: dict[tuple[str, str], sqlite3.Row] = {}
        for row in store.read(
            "SELECT * FROM codepipeline_action_executions WHERE execution_id = ? ORDER BY seq",
            (self.execution.id,),
        ):
            actions[(row["stage"], row["action"])] = row
        declared = {
            (stage["name"], action["name"]): action
            for stage in self.execution.declaration["stages"]
            for action in stage["actions"]
        }
        for key, row in actions.items():
            if row["status"] != SUCCEEDED:
                continue
            action = declared.get(key, {})
            commit = None
            if row["revision"] and action.get("actionTypeId", {}).get("provider") == "CodeCommit":
                commit = json.loads(row["revision"])["revisionId"]
            for o in json.loads(row["output_artifacts"]):
                self.artifacts[o["name"]] = Artifact(
                    o["name"], o["s3location"]["bucket"], o["s3location"]["key"], commit
                )
            if namespace := action.get("namespace"):
                self.namespaces[namespace] = json.loads(row["output_variables"])
        return stages, actions
