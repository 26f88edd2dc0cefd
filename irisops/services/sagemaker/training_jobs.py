"""CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob.

A created job is a real container run by a
:class:`~irisops.engines.sagemaker.job_training.TrainingRunner` that the service's
supervisor owns; the handlers record, start and answer.
"""

from __future__ import annotations

import time
from typing import Any

from irisops.core.context import RequestContext
from irisops.engines.sagemaker import job_states
from irisops.engines.sagemaker.job_training import model_artifacts_uri
from irisops.services.sagemaker.errors import SageMakerValidation
from irisops.services.sagemaker.jobs_records import TRAINING, plain
from irisops.services.sagemaker.jobs_service import JobLifecycle
from irisops.services.sagemaker.resources import resource_arn

NOT_FOUND = "Requested resource not found."
DEFAULT_MAX_RUNTIME_S = 86400
SUMMARY_KEYS = (
    "TrainingJobName",
    "TrainingJobArn",
    "CreationTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "TrainingJobStatus",
    "SecondaryStatus",
)


def training_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: doc[key] for key in SUMMARY_KEYS if key in doc}


def new_training_doc(params: dict[str, Any], arn: str, now: float) -> dict[str, Any]:
    doc = plain({key: value for key, value in params.items() if key != "Tags"})
    doc.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME_S})
    doc.setdefault("EnableNetworkIsolation", False)
    doc.setdefault("EnableInterContainerTrafficEncryption", False)
    doc.setdefault("EnableManagedSpotTraining", False)
    # SageMaker answers an empty KmsKeyId when none was given; the Python SDK's
    # Estimator.attach indexes it unconditionally.
    doc["OutputDataConfig"].setdefault("KmsKeyId", "")
    doc.update(
        TrainingJobArn=arn,
        TrainingJobStatus="InProgress",
        SecondaryStatus="Starting",
        CreationTime=now,
        LastModifiedTime=now,
        SecondaryStatusTransitions=job_states.new_transitions(now),
        ModelArtifacts={"S3ModelArtifacts": model_artifacts_uri(params, params["TrainingJobName"])},
    )
    return doc


class TrainingJobOperations(JobLifecycle):
    async def create_training_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["TrainingJobName"]
        algorithm = params.get("AlgorithmSpecification") or {}
        if not algorithm.get("TrainingImage"):
            # unconfirmed text; AlgorithmName (marketplace algorithms) has no local image
            raise SageMakerValidation("AlgorithmSpecification.TrainingImage must be specified.")
        if not params["OutputDataConfig"].get("S3OutputPath", "").startswith("s3://"):
            raise SageMakerValidation("OutputDataConfig.S3OutputPath must be an s3:// URI.")
        arn = resource_arn(ctx, "training-job", name)
        doc = new_training_doc(params, arn, time.time())

        await self.create_job(ctx, TRAINING, doc, params.get("Tags"))
        return {"TrainingJobArn": arn}

    async def describe_training_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self.named_job(ctx, TRAINING, params["TrainingJobName"], NOT_FOUND)

    async def list_training_jobs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.list_job_page(
            ctx, TRAINING, params, training_summary, "TrainingJobSummaries"
        )

    async def stop_training_job(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self.named_job(ctx, TRAINING, params["TrainingJobName"], NOT_FOUND)
        await self.stop_open_job(TRAINING, doc)
        return {}
