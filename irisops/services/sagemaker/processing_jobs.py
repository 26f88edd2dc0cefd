"""CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs, StopProcessingJob:
the same supervisor, container runner, staging and upload as training jobs."""

from __future__ import annotations

import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.sagemaker.jobs_records import PROCESSING, plain
from irisops.services.sagemaker.jobs_service import JobLifecycle
from irisops.services.sagemaker.resources import resource_arn

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

        await self.create_job(ctx, PROCESSING, doc, params.get("Tags"))
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
