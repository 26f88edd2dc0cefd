"""CreateTransformJob, DescribeTransformJob, ListTransformJobs, StopTransformJob: the
jobs' supervisor, table and listing, with the model's container run by
:class:`~irisops.engines.sagemaker.transform_runner.TransformRunner`."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.sagemaker.errors import ResourceInUse, SageMakerValidation, could_not_find
from irisops.services.sagemaker.jobs_records import TRANSFORM, insert_job, plain
from irisops.services.sagemaker.jobs_service import JobLifecycle
from irisops.services.sagemaker.models import model_row
from irisops.services.sagemaker.resources import add_resource, resource_arn

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

        def write(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM sagemaker_jobs WHERE arn = ?", (arn,)).fetchone():
                raise ResourceInUse(  # unconfirmed text, shaped as the training job's
                    "Transform job names must be unique within an AWS account and region, "
                    f"and a transform job with this name already exists ({arn})"
                )
            if model_row(self.store, ctx, params["ModelName"], conn) is None:
                raise could_not_find("model", resource_arn(ctx, "model", params["ModelName"]))
            insert_job(conn, TRANSFORM, ctx.account, ctx.region, doc)
            add_resource(conn, ctx, "transform-job", name, params.get("Tags"))

        await self.store.write(write)
        self.publish(
            ctx,
            "sagemaker.TransformJobStateChanged",
            arn,
            TransformJobName=name,
            TransformJobStatus="InProgress",
        )
        self.jobs.launch(self.make_runner(TRANSFORM, ctx.account, ctx.region, arn, name, doc))
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
