"""CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs, StopProcessingJob:
the same supervisor, container runner, staging and upload as training jobs."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.sagemaker.errors import ResourceInUse
from irisops.services.sagemaker.jobs_records import PROCESSING, insert_job, plain
from irisops.services.sagemaker.jobs_service import JobLifecycle
from irisops.services.sagemaker.resources import add_resource, resource_arn

SUMMARY_KEYS = (
    "ProcessingJobName",
    "ProcessingJobArn",
    "CreationTime",
    "ProcessingEndTime",
    "LastModifiedTime",
    "ProcessingJobStatus",
    "FailureReason",
    "ExitMessage",
)


def processing_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: doc[key] for key in SUMMARY_KEYS if key in doc}


class ProcessingJobOperations(JobLifecycle):
    async def create_processing_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["ProcessingJobName"]
        arn = resource_arn(ctx, "processing-job", name)
        now = time.time()
        doc = plain({key: value for key, value in params.items() if key != "Tags"})
        doc.update(
            ProcessingJobArn=arn,
            ProcessingJobStatus="InProgress",
            CreationTime=now,
            LastModifiedTime=now,
        )

        def write(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM sagemaker_jobs WHERE arn = ?", (arn,)).fetchone():
                raise ResourceInUse(  # unconfirmed text, shaped as the training job's
                    "Processing job names must be unique within an AWS account and region, "
                    f"and a processing job with this name already exists ({arn})"
                )
            insert_job(conn, PROCESSING, ctx.account, ctx.region, doc)
            add_resource(conn, ctx, "processing-job", name, params.get("Tags"))

        await asyncio.to_thread(
            shutil.rmtree, self.job_dir(PROCESSING, ctx.account, ctx.region, name), True
        )
        await self.store.write(write)
        self.publish(
            ctx,
            "sagemaker.ProcessingJobStateChanged",
            arn,
            ProcessingJobName=name,
            ProcessingJobStatus="InProgress",
        )
        self.jobs.launch(self.make_runner(PROCESSING, ctx.account, ctx.region, arn, name, doc))
        return {"ProcessingJobArn": arn}

    async def describe_processing_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self.named_job(ctx, PROCESSING, params["ProcessingJobName"])

    async def list_processing_jobs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.list_job_page(
            ctx, PROCESSING, params, processing_summary, "ProcessingJobSummaries"
        )

    async def stop_processing_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self.named_job(ctx, PROCESSING, params["ProcessingJobName"])
        await self.stop_open_job(PROCESSING, doc)
        return {}
