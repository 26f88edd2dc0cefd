"""Every state change of an execution: written (one transaction), then published.

Events (service ``codepipeline``, resource = the pipeline ARN):
``codepipeline.PipelineExecutionStateChanged`` {pipeline, executionId, state},
``codepipeline.StageExecutionStateChanged`` {pipeline, executionId, stage, state},
``codepipeline.ActionExecutionStateChanged`` {pipeline, executionId, stage, action,
actionExecutionId, state}. ``state`` is the API status (``InProgress``, ``Succeeded``,
...).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.events import EventBus
from irisops.core.store import Store
from irisops.engines.codepipeline.model import EXECUTION_SELECT, Execution

SERVICE = "codepipeline"


class ExecutionJournal:
    def __init__(self, store: Store, bus: EventBus) -> None:
        self.store = store
        self.bus = bus

    def _publish(self, execution: Execution, type: str, **detail: Any) -> None:
        self.bus.publish(
            f"codepipeline.{type}",
            service=SERVICE,
            account=execution.account,
            region=execution.region,
            resource=execution.arn,
            pipeline=execution.pipeline_name,
            executionId=execution.id,
            **detail,
        )

    # -- executions ---------------------------------------------------------------------

    async def create_execution(
        self,
        pipeline: sqlite3.Row,
        *,
        trigger_type: str,
        trigger_detail: str | None,
        source_overrides: dict[str, str] | None = None,
        variables: list[dict[str, str]] | None = None,
        client_request_token: str | None = None,
    ) -> tuple[Execution, bool]:
        """The new execution and True; with a ``client_request_token`` an execution of
        the pipeline already started with it is returned instead, with False."""
        execution_id = str(uuid.uuid4())
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[sqlite3.Row, bool]:
            if client_request_token:
                earlier = conn.execute(
                    f"{EXECUTION_SELECT} WHERE e.pipeline_id = ? AND e.client_request_token = ?",
                    (pipeline["id"], client_request_token),
                ).fetchone()
                if earlier is not None:
                    return earlier, False
            conn.execute(
                "INSERT INTO codepipeline_executions (id, pipeline_id, pipeline_version, "
                "declaration, status, trigger_type, trigger_detail, client_request_token, "
                "source_overrides, variables, start_time, last_update_time) "
                "VALUES (?, ?, ?, ?, 'InProgress', ?, ?, ?, ?, ?, ?, ?)",
                (
                    execution_id,
                    pipeline["id"],
                    pipeline["version"],
                    pipeline["declaration"],
                    trigger_type,
                    trigger_detail,
                    client_request_token,
                    json.dumps(source_overrides or {}),
                    json.dumps(variables or []),
                    now,
                    now,
                ),
            )
            row = conn.execute(f"{EXECUTION_SELECT} WHERE e.id = ?", (execution_id,)).fetchone()
            return row, True

        row, created = await self.store.write(write)
        execution = Execution.from_row(row)
        if created:
            self._publish(execution, "PipelineExecutionStateChanged", state="InProgress")
        return execution, created

    async def set_execution_status(
        self, execution: Execution, status: str, summary: str | None = None
    ) -> None:
        now = epoch_ms()
        await self.store.execute(
            "UPDATE codepipeline_executions SET status = ?, "
            "status_summary = coalesce(?, status_summary), last_update_time = ? WHERE id = ?",
            (status, summary, now, execution.id),
        )
        execution.status = status
        self._publish(execution, "PipelineExecutionStateChanged", state=status)

    async def request_stop(self, execution: Execution, *, abandon: bool, reason: str) -> bool:
        """Mark the execution Stopping; False when it ended in the meantime."""
        changed = await self.store.execute(
            "UPDATE codepipeline_executions SET status = 'Stopping', stop_reason = ?, "
            "stop_abandon = ?, last_update_time = ? "
            "WHERE id = ? AND status IN ('InProgress', 'Stopping')",
            (reason, int(abandon), epoch_ms(), execution.id),
        )
        if not changed:
            return False
        execution.status = "Stopping"
        self._publish(execution, "PipelineExecutionStateChanged", state="Stopping")
        return True

    # -- stages -------------------------------------------------------------------------

    async def set_stage_status(self, execution: Execution, stage: str, status: str) -> None:
        now = epoch_ms()
        await self.store.execute(
            "INSERT INTO codepipeline_stage_executions "
            "(execution_id, pipeline_id, stage, status, updated, entered_seq) "
            "VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(entered_seq), 0) + 1 "
            "FROM codepipeline_stage_executions)) "
            "ON CONFLICT (execution_id, stage) DO UPDATE SET status = excluded.status, "
            "updated = excluded.updated",
            (execution.id, execution.pipeline_id, stage, status, now),
        )
        self._publish(execution, "StageExecutionStateChanged", stage=stage, state=status)

    # -- actions ------------------------------------------------------------------------

    async def start_action(
        self,
        execution: Execution,
        stage: str,
        action: str,
        action_input: dict[str, Any],
        output_artifacts: list[dict[str, Any]],
    ) -> str:
        action_id = str(uuid.uuid4())
        now = epoch_ms()
        await self.store.execute(
            "INSERT INTO codepipeline_action_executions (id, execution_id, pipeline_id, "
            "pipeline_version, stage, action, status, start_time, last_update_time, input, "
            "output_artifacts) VALUES (?, ?, ?, ?, ?, ?, 'InProgress', ?, ?, ?, ?)",
            (
                action_id,
                execution.id,
                execution.pipeline_id,
                execution.pipeline_version,
                stage,
                action,
                now,
                now,
                json.dumps(action_input),
                json.dumps(output_artifacts),
            ),
        )
        self._publish(
            execution,
            "ActionExecutionStateChanged",
            stage=stage,
            action=action,
            actionExecutionId=action_id,
            state="InProgress",
        )
        return action_id

    async def update_action(self, action_id: str, **columns: Any) -> None:
        """Record progress of a running action (external id, url, summary, token)."""
        allowed = {"external_execution_id", "external_execution_url", "summary", "token"}
        assert set(columns) <= allowed, columns
        sets = ", ".join(f"{name} = ?" for name in columns)
        await self.store.execute(
            f"UPDATE codepipeline_action_executions SET {sets}, last_update_time = ? WHERE id = ?",
            (*columns.values(), epoch_ms(), action_id),
        )

    async def finish_action(
        self,
        execution: Execution,
        stage: str,
        action: str,
        action_id: str,
        status: str,
        *,
        summary: str | None = None,
        error: tuple[str, str] | None = None,
        revision: dict[str, Any] | None = None,
        output_variables: dict[str, str] | None = None,
        external_execution_id: str | None = None,
    ) -> None:
        await self.store.execute(
            "UPDATE codepipeline_action_executions SET status = ?, "
            "summary = coalesce(?, summary), error_code = ?, error_message = ?, "
            "revision = coalesce(?, revision), output_variables = ?, "
            "external_execution_id = coalesce(?, external_execution_id), "
            "last_update_time = ? WHERE id = ?",
            (
                status,
                summary,
                error[0] if error else None,
                error[1] if error else None,
                json.dumps(revision) if revision else None,
                json.dumps(output_variables or {}),
                external_execution_id,
                epoch_ms(),
                action_id,
            ),
        )
        self._publish(
            execution,
            "ActionExecutionStateChanged",
            stage=stage,
            action=action,
            actionExecutionId=action_id,
            state=status,
        )

    async def abandon_execution(self, execution: Execution, summary: str) -> None:
        """Stop an execution at once: running actions Abandoned, stages Stopped."""
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
            actions = conn.execute(
                "SELECT id, stage, action FROM codepipeline_action_executions "
                "WHERE execution_id = ? AND status = 'InProgress'",
                (execution.id,),
            ).fetchall()
            stages = conn.execute(
                "SELECT stage FROM codepipeline_stage_executions "
                "WHERE execution_id = ? AND status IN ('InProgress', 'Stopping')",
                (execution.id,),
            ).fetchall()
            conn.execute(
                "UPDATE codepipeline_action_executions SET status = 'Abandoned', "
                "last_update_time = ? WHERE execution_id = ? AND status = 'InProgress'",
                (now, execution.id),
            )
            conn.execute(
                "UPDATE codepipeline_stage_executions SET status = 'Stopped', updated = ? "
                "WHERE execution_id = ? AND status IN ('InProgress', 'Stopping')",
                (now, execution.id),
            )
            conn.execute(
                "UPDATE codepipeline_executions SET status = 'Stopped', "
                "status_summary = coalesce(status_summary, ?), last_update_time = ? "
                "WHERE id = ?",
                (summary, now, execution.id),
            )
            return actions, stages

        actions, stages = await self.store.write(write)
        for row in actions:
            self._publish(
                execution,
                "ActionExecutionStateChanged",
                stage=row["stage"],
                action=row["action"],
                actionExecutionId=row["id"],
                state="Abandoned",
            )
        for row in stages:
            self._publish(
                execution, "StageExecutionStateChanged", stage=row["stage"], state="Stopped"
            )
        execution.status = "Stopped"
        self._publish(execution, "PipelineExecutionStateChanged", state="Stopped")

    async def fail_interrupted(self, execution: Execution, summary: str) -> None:
        """An execution that cannot resume after a restart: running actions Failed."""
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE codepipeline_action_executions SET status = 'Failed', summary = ?, "
                "error_code = 'SystemUnavailable', error_message = ?, last_update_time = ? "
                "WHERE execution_id = ? AND status = 'InProgress'",
                (summary, summary, now, execution.id),
            )
            conn.execute(
                "UPDATE codepipeline_stage_executions SET status = 'Failed', updated = ? "
                "WHERE execution_id = ? AND status IN ('InProgress', 'Stopping')",
                (now, execution.id),
            )

        await self.store.write(write)
        await self.set_execution_status(execution, "Failed", summary)
