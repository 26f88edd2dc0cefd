"""The jobs' lifecycle in the service: the supervisor that owns them, persisting then
publishing every state change, and reconciliation after a restart.

Events: ``sagemaker.TrainingJobStateChanged`` {TrainingJobName, TrainingJobStatus,
SecondaryStatus}, ``sagemaker.ProcessingJobStateChanged`` {ProcessingJobName,
ProcessingJobStatus} and ``sagemaker.TransformJobStateChanged`` {TransformJobName,
TransformJobStatus}, each published after its write committed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.engines.sagemaker.job_container import DEFAULT_GRACE_S, JobContainer
from irisops.engines.sagemaker.job_processing import ProcessingRunner
from irisops.engines.sagemaker.job_runner import JobContext, JobRunner
from irisops.engines.sagemaker.job_training import TrainingRunner
from irisops.engines.sagemaker.jobs import JobSupervisor
from irisops.engines.sagemaker.transform_runner import TransformRunner
from irisops.services.sagemaker.errors import ResourceInUse, SageMakerValidation
from irisops.services.sagemaker.jobs_listing import list_jobs
from irisops.services.sagemaker.jobs_records import (
    NAME_KEY,
    PROCESSING,
    STATUS_KEY,
    TRAINING,
    TRANSFORM,
    insert_job,
    job_doc,
    update_job,
)
from irisops.services.sagemaker.resources import add_resource, resource_arn

log = logging.getLogger("irisops.sagemaker")

RUNNERS: dict[str, type[JobRunner]] = {
    TRAINING: TrainingRunner,
    PROCESSING: ProcessingRunner,
    TRANSFORM: TransformRunner,
}
EVENTS = {
    TRAINING: "sagemaker.TrainingJobStateChanged",
    PROCESSING: "sagemaker.ProcessingJobStateChanged",
    TRANSFORM: "sagemaker.TransformJobStateChanged",
}
OPEN_STATUSES = ("InProgress", "Stopping")
RESTART_REASON = (
    "InternalServerError: irisops restarted while the job was running and its container "
    "was no longer running"
)
#: For a job whose containers are never re-attached (a transform's requests in flight
#: die with the server).
LOST_REASON = (
    "InternalServerError: irisops restarted while the job was running and its "
    "requests in flight were lost"
)


def job_event_detail(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The detail of a job's state-change event: its name and status (and a training
    job's SecondaryStatus)."""
    name_key, status_key = NAME_KEY[kind], STATUS_KEY[kind]
    detail = {name_key: doc[name_key], status_key: doc[status_key]}
    if kind == TRAINING:
        detail["SecondaryStatus"] = doc["SecondaryStatus"]
    return detail


class JobLifecycle:
    runtime: Runtime
    store: Store
    jobs: JobSupervisor
    #: Service.publish
    publish: Any

    async def list_job_page(
        self,
        ctx: RequestContext,
        kind: str,
        params: dict[str, Any],
        summary: Callable[[dict[str, Any]], dict[str, Any]],
        key: str,
    ) -> dict[str, Any]:
        """A List*Jobs answer: the page of summaries under ``key``, and NextToken."""
        summaries, token = await list_jobs(self.store, ctx, kind, params, summary)
        out: dict[str, Any] = {key: summaries}
        if token:
            out["NextToken"] = token
        return out

    def named_job(
        self, ctx: RequestContext, kind: str, name: str, not_found: str | None = None
    ) -> dict[str, Any]:
        """The document of the ``kind`` job ``name``; SageMaker's ValidationException
        (``not_found``, or the processing/transform text) when there is none."""
        doc = job_doc(self.store, resource_arn(ctx, kind, name))
        if doc is None:
            # unconfirmed text for processing and transform jobs (ValidationException is
            # what the waiters expect)
            raise SageMakerValidation(not_found or f"Could not find requested job with name {name}")
        return doc

    async def stop_open_job(self, kind: str, doc: dict[str, Any]) -> None:
        """Stop*Job: only an InProgress job stops; any other answers SageMaker's error."""
        status = doc[STATUS_KEY[kind]]
        arn = doc[f"{NAME_KEY[kind].removesuffix('Name')}Arn"]
        if status != "InProgress" or not await self.jobs.stop_job(arn):
            noun = kind.removesuffix("-job")  # texts of processing/transform: unconfirmed
            raise SageMakerValidation(
                f"The request was rejected because the {noun} job is in status {status}."
            )

    @property
    def stop_grace_seconds(self) -> float:
        """SIGTERM to SIGKILL; ``IRISOPS_SAGEMAKER_STOP_GRACE_SECONDS`` shortens it."""
        value = os.environ.get("IRISOPS_SAGEMAKER_STOP_GRACE_SECONDS")
        return float(value) if value else DEFAULT_GRACE_S

    def jobs_root(self) -> Path:
        return self.runtime.data_dir / "sagemaker" / "jobs"

    def job_dir(self, kind: str, account: str, region: str, name: str) -> Path:
        return self.jobs_root() / account / region / kind / name.lower()

    async def start_jobs(self) -> None:
        self.jobs = JobSupervisor()
        await self._reconcile_jobs()

    async def stop_jobs(self) -> None:
        await self.jobs.close()

    async def reset_jobs(self) -> None:
        await self.jobs.close()
        self.jobs = JobSupervisor()
        await asyncio.to_thread(shutil.rmtree, self.jobs_root(), True)

    async def create_job(
        self,
        ctx: RequestContext,
        kind: str,
        doc: dict[str, Any],
        tags: list[dict[str, str]] | None,
        check: Callable[[sqlite3.Connection], None] | None = None,
    ) -> str:
        """Record a new job (its name unique, then ``check`` in the same transaction),
        publish it and launch its runner; its ARN."""
        name_key = NAME_KEY[kind]
        name, arn = doc[name_key], doc[name_key.removesuffix("Name") + "Arn"]

        def write(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM sagemaker_jobs WHERE arn = ?", (arn,)).fetchone():
                # Training's text; processing's and transform's are shaped as it
                # (unconfirmed text).
                label = name_key.removesuffix("JobName").lower()
                raise ResourceInUse(
                    f"{label.capitalize()} job names must be unique within an AWS account and "
                    f"region, and a {label} job with this name already exists ({arn})"
                )
            if check is not None:
                check(conn)
            insert_job(conn, kind, ctx.account, ctx.region, doc)
            add_resource(conn, ctx, kind, name, tags)

        await self.store.write(write)
        # Only now that the name is this job's: files left by a job of that name before a
        # reset go (a refused duplicate must not touch the running job's files).
        await asyncio.to_thread(
            shutil.rmtree, self.job_dir(kind, ctx.account, ctx.region, name), True
        )
        self.publish(ctx, EVENTS[kind], arn, **job_event_detail(kind, doc))
        self.jobs.launch(self.make_runner(kind, ctx.account, ctx.region, arn, name, doc))
        return arn

    async def _save_job(
        self, kind: str, account: str, region: str, doc: dict[str, Any], container_id: str | None
    ) -> None:
        arn = doc[NAME_KEY[kind].removesuffix("Name") + "Arn"]
        await update_job(self.store, kind, arn, doc, container_id)
        ctx = RequestContext(service="sagemaker", operation="Job", account=account, region=region)
        self.publish(ctx, EVENTS[kind], arn, **job_event_detail(kind, doc))

    def make_runner(
        self, kind: str, account: str, region: str, arn: str, name: str, doc: dict[str, Any]
    ) -> JobRunner:
        async def save(doc: dict[str, Any], container_id: str | None) -> None:
            await self._save_job(kind, account, region, doc, container_id)

        job = JobContext(
            arn=arn,
            name=name,
            account=account,
            region=region,
            job_dir=self.job_dir(kind, account, region, name),
            runtime=self.runtime,
            save=save,
            grace_seconds=self.stop_grace_seconds,
        )
        return RUNNERS[kind](job, doc)

    async def _reconcile_jobs(self) -> None:
        """Jobs a killed server left open: re-attached to their container when it still
        runs, else Failed with a reason."""
        rows = await self.store.query(
            "SELECT * FROM sagemaker_jobs WHERE status IN (?, ?)", OPEN_STATUSES
        )
        for row in rows:
            doc = json.loads(row["doc"])
            runner = self.make_runner(
                row["kind"], row["account"], row["region"], row["arn"], row["name"], doc
            )
            found: list[JobContainer] = []
            if self.runtime.docker is not None:
                try:
                    found = await JobContainer.find(self.runtime.docker, row["arn"])
                except Exception as exc:
                    log.warning("finding the containers of %s failed: %r", row["arn"], exc)
            ids = (row["container_id"] or "").split(",")
            by_id = {container.id: container for container in found}
            ours = [by_id[i] for i in ids if i in by_id]
            alive = (
                runner.reattachable
                and len(ours) == len(ids)
                and all([await c.running() for c in ours])
            )
            if alive:
                if row["status"] == "Stopping":
                    runner.stop_reason = "Stopped"
                self.jobs.launch(runner, attach=ours)
                continue
            for container in found:
                await container.remove()
            await runner.cleanup()
            await runner.fail(RESTART_REASON if runner.reattachable else LOST_REASON)
