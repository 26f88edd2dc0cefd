"""The owner of every running pipeline execution.

It starts executions (API calls and triggers), keeps their runner tasks, routes stop
requests and approval decisions to them, listens on the bus for what starts or wakes
them (``codecommit.ReferenceUpdated``, ``s3.ObjectCreated``,
``codebuild.BuildStateChanged``) and, at start, reconciles executions a previous server
left InProgress: each resumes where it was (an approval waits again, a CodeBuild action
follows its build, a source action runs again on its pinned revision) or, when it cannot,
fails with a summary that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from irisops.core.events import Event
from irisops.core.runtime import Runtime
from irisops.engines.codepipeline.gates import StageGates
from irisops.engines.codepipeline.journal import ExecutionJournal
from irisops.engines.codepipeline.model import EXECUTION_SELECT, Execution
from irisops.engines.codepipeline.runner import ExecutionRunner
from irisops.engines.codepipeline.triggers import (
    codecommit_sources,
    event_rule_arn,
    s3_sources,
)
from irisops.engines.codepipeline.waiters import ApprovalWaiters, BuildWaiters

log = logging.getLogger("irisops.codepipeline")

WATCHED = frozenset(
    {"codecommit.ReferenceUpdated", "s3.ObjectCreated", "codebuild.BuildStateChanged"}
)


class PipelineSupervisor:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.journal = ExecutionJournal(runtime.store, runtime.bus)
        self.gates = StageGates()
        self.approvals = ApprovalWaiters()
        self.builds = BuildWaiters()
        self._runners: dict[str, ExecutionRunner] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        #: Bus sequence number at which each pipeline (re)appeared: a change event
        #: published before that (still queued for the listener) does not start it.
        self._since: dict[int, int] = {}

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def _work_root(self) -> Path:
        return self.runtime.data_dir / "codepipeline" / "work"

    def work_dir(self, action_id: str) -> Path:
        path = self._work_root / action_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def start(self) -> None:
        await asyncio.to_thread(shutil.rmtree, self._work_root, True)
        self._listener = asyncio.create_task(self._listen(), name="codepipeline-events")
        await self._reconcile()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._cancel([r.task for r in self._runners.values() if r.task])

    async def reset(self) -> None:
        """Drop every execution without recording anything (the rows are being wiped)."""
        runners = list(self._runners.values())
        for runner in runners:
            runner.discard()
        await self._cancel([r.task for r in runners if r.task])
        self.gates = StageGates()

    async def forget_pipeline(self, pipeline_id: int) -> None:
        """End the executions of a pipeline that is being deleted."""
        runners = [r for r in self._runners.values() if r.execution.pipeline_id == pipeline_id]
        for runner in runners:
            runner.discard()
        await self._cancel([r.task for r in runners if r.task])
        self.gates.forget_pipeline(pipeline_id)

    def pipeline_changed(self, pipeline_id: int, seq: int) -> None:
        """CreatePipeline / UpdatePipeline committed; ``seq`` is its event's number."""
        self._since[pipeline_id] = seq

    async def _cancel(self, tasks: list[asyncio.Task[None]]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- executions ---------------------------------------------------------------------

    async def start_execution(
        self,
        pipeline: sqlite3.Row,
        *,
        trigger_type: str,
        trigger_detail: str | None = None,
        source_overrides: dict[str, str] | None = None,
        variables: list[dict[str, str]] | None = None,
        client_request_token: str | None = None,
    ) -> Execution:
        execution, created = await self.journal.create_execution(
            pipeline,
            trigger_type=trigger_type,
            trigger_detail=trigger_detail,
            source_overrides=source_overrides,
            variables=variables,
            client_request_token=client_request_token,
        )
        if created:
            self._spawn(execution, resume=False)
        return execution

    def _spawn(self, execution: Execution, *, resume: bool) -> None:
        runner = ExecutionRunner(self, execution)
        task = asyncio.create_task(runner.run(resume), name=f"codepipeline-{execution.id}")
        runner.task = task
        self._runners[execution.id] = runner

        def done(t: asyncio.Task[None]) -> None:
            if self._runners.get(execution.id) is runner:
                del self._runners[execution.id]

        task.add_done_callback(done)

    def runner(self, execution_id: str) -> ExecutionRunner | None:
        return self._runners.get(execution_id)

    async def stop_execution(self, execution: Execution, *, abandon: bool, reason: str) -> bool:
        """Record the stop request, then let the runner act on it; False when the
        execution ended before the request was recorded."""
        if not await self.journal.request_stop(execution, abandon=abandon, reason=reason):
            return False
        runner = self._runners.get(execution.id)
        if runner is not None:
            runner.execution.status = "Stopping"
            runner.request_stop(abandon=abandon)
        else:
            await self.journal.abandon_execution(execution, reason or "Stopped")
        return True

    # -- restart ------------------------------------------------------------------------

    async def _reconcile(self) -> None:
        rows = await self.store.query(
            f"{EXECUTION_SELECT} WHERE e.status IN ('InProgress', 'Stopping') ORDER BY e.seq"
        )
        for row in rows:
            execution = Execution.from_row(row)
            if execution.status == "Stopping":
                await self.journal.abandon_execution(
                    execution, "irisops restarted while the execution was stopping"
                )
                continue
            log.info("resuming pipeline execution %s", execution.id)
            self._spawn(execution, resume=True)

    # -- events -------------------------------------------------------------------------

    async def _listen(self) -> None:
        while True:
            sub = self.runtime.bus.subscribe(predicate=lambda e: e.type in WATCHED)
            with sub:
                async for event in sub:
                    try:
                        await self._on_event(event)
                    except Exception:
                        log.exception("handling %s failed", event.type)
            if not sub.overflowed:
                return
            self.builds.changed(None)

    async def _on_event(self, event: Event) -> None:
        if event.type == "codebuild.BuildStateChanged":
            self.builds.changed(event.detail.get("buildId"))
            return
        pipelines = await self.store.query(
            "SELECT * FROM codepipeline_pipelines WHERE account = ? AND region = ?",
            (event.account, event.region),
        )
        for pipeline in pipelines:
            if event.seq < self._since.get(pipeline["id"], 0):
                continue
            declaration = json.loads(pipeline["declaration"])
            if event.type == "codecommit.ReferenceUpdated":
                await self._on_push(pipeline, declaration, event.detail)
            else:
                await self._on_object(pipeline, declaration, event.detail)

    async def _on_push(
        self, pipeline: sqlite3.Row, declaration: dict[str, Any], detail: dict[str, Any]
    ) -> None:
        commit = detail.get("newCommitId")
        branch = detail.get("branchName")
        if not commit or not branch:
            return
        actions = codecommit_sources(declaration, detail.get("repositoryName", ""), branch)
        if not actions:
            return
        polled = all(polls for _, polls in actions)
        await self.start_execution(
            pipeline,
            trigger_type="PollForSourceChanges" if polled else "CloudWatchEvent",
            trigger_detail=None
            if polled
            else event_rule_arn(pipeline["region"], pipeline["account"], pipeline["name"]),
            source_overrides={name: commit for name, _ in actions},
        )

    async def _on_object(
        self, pipeline: sqlite3.Row, declaration: dict[str, Any], detail: dict[str, Any]
    ) -> None:
        bucket = detail.get("bucket") or detail.get("Bucket")
        key = detail.get("key") or detail.get("Key")
        if not bucket or not key:
            return
        actions = s3_sources(declaration, bucket, key)
        if not actions:
            return
        polled = all(polls for _, polls in actions)
        await self.start_execution(
            pipeline,
            trigger_type="PollForSourceChanges" if polled else "CloudWatchEvent",
            trigger_detail=None
            if polled
            else event_rule_arn(pipeline["region"], pipeline["account"], pipeline["name"]),
        )
