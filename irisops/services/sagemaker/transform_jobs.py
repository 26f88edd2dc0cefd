"""CreateTransformJob, DescribeTransformJob, ListTransformJobs, StopTransformJob: the
jobs' supervisor, table and listing, with the model's container run by
:class:`~irisops.engines.sagemaker.transform_runner.TransformRunner`."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.sagemaker.errors import SageMakerValidation, could_not_find
from irisops.services.sagemaker.jobs_records import TRANSFORM, plain
from irisops.services.sagemaker.jobs_service import JobLifecycle
from irisops.services.sagemaker.models import model_row
from irisops.services.sagemaker.resources import resource_arn

SUMMARY_KEYS = (
    "TransformJobName",
    "TransformJobArn",
    "CreationTime",
    "TransformEndTime",
    "LastModifiedTime",
    "TransformJobStatus",
    "FailureReason",
)


def transform_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: doc[key] for key in SUMMARY_KEYS if key in doc}


def _check_request(params: dict[str, Any]) -> None:
    split = params["TransformInput"].get("SplitType") or "None"
    if params.get("BatchStrategy") == "MultiRecord" and split == "None":
        raise SageMakerValidation(  # unconfirmed text
            "BatchStrategy MultiRecord requires a SplitType other than None."
        )
    payload = params.get("MaxPayloadInMB")
    concurrency = params.get("MaxConcurrentTransforms") or 1
    if payload is not None and payload * concurrency > 100:
        raise SageMakerValidation(  # unconfirmed text
            "MaxPayloadInMB multiplied by MaxConcurrentTransforms must not exceed 100 MB."
        )


class TransformJobOperations(JobLifecycle):
    async def create_transform_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["TransformJobName"]
        arn = resource_arn(ctx, "transform-job", name)
        _check_request(params)
        now = time.time()
        doc = plain({key: value for key, value in params.items() if key != "Tags"})
        doc.update(
            TransformJobArn=arn,
            TransformJobStatus="InProgress",
            CreationTime=now,
            LastModifiedTime=now,
        )

        def model_exists(conn: sqlite3.Connection) -> None:
            if model_row(self.store, ctx, params["ModelName"], conn) is None:
                raise could_not_find("model", resource_arn(ctx, "model", params["ModelName"]))

        await self.create_job(ctx, TRANSFORM, doc, params.get("Tags"), model_exists)
        return {"TransformJobArn": arn}

    async def describe_transform_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self.named_job(ctx, TRANSFORM, params["TransformJobName"])
        doc.pop("LastModifiedTime", None)  # not in DescribeTransformJob's answer
        return doc

    async def list_transform_jobs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.list_job_page(
            ctx, TRANSFORM, params, transform_summary, "TransformJobSummaries"
        )

    async def stop_transform_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self.named_job(ctx, TRANSFORM, params["TransformJobName"])
        await self.stop_open_job(TRANSFORM, doc)
        return {}
