"""Training job handlers on a real store without a Docker engine: the record, the
errors, listing, and a job left InProgress reconciled at start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.services.sagemaker import SageMakerService
from irisops.services.sagemaker.errors import ResourceInUse, SageMakerValidation
from tests.unit.running import running_service

CTX = RequestContext(service="sagemaker", operation="Test")


def request(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "AlgorithmSpecification": {"TrainingImage": "iris:none", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "Tags": [{"Key": "a", "Value": "b"}],
    }


async def settled(sm: SageMakerService, name: str) -> dict[str, Any]:
    for _ in range(200):
        job = await sm.describe_training_job(CTX, {"TrainingJobName": name})
        if job["TrainingJobStatus"] != "InProgress":
            return job
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} stayed InProgress")


async def test_create_describe_list_and_errors(tmp_path: Path) -> None:
    async with running_service(SageMakerService, tmp_path) as sm:
        out = await sm.create_training_job(CTX, request("Job-One"))
        arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-one"
        assert out == {"TrainingJobArn": arn}
        job = await settled(sm, "Job-One")
        # No Docker engine in a unit test: the image cannot be had, so the job fails.
        assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Failed", "Failed")
        assert job["FailureReason"].startswith("ClientError: ")
        assert job["ModelArtifacts"] == {
            "S3ModelArtifacts": "s3://bucket/out/Job-One/output/model.tar.gz"
        }
        assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
        assert job["OutputDataConfig"] == {"S3OutputPath": "s3://bucket/out/", "KmsKeyId": ""}
        assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
            "Starting", "Downloading", "Failed",
        ]  # fmt: skip
        assert (await sm.list_tags(CTX, {"ResourceArn": arn}))["Tags"] == [
            {"Key": "a", "Value": "b"}
        ]
        with pytest.raises(ResourceInUse):
            await sm.create_training_job(CTX, request("job-one"))  # names ignore case
        with pytest.raises(SageMakerValidation, match="in status Failed"):
            await sm.stop_training_job(CTX, {"TrainingJobName": "Job-One"})
        with pytest.raises(SageMakerValidation, match=r"^Requested resource not found\.$"):
            await sm.describe_training_job(CTX, {"TrainingJobName": "other"})
        listed = await sm.list_training_jobs(CTX, {"StatusEquals": "Failed"})
        assert [s["TrainingJobName"] for s in listed["TrainingJobSummaries"]] == ["Job-One"]
        with pytest.raises(SageMakerValidation):
            await sm.list_training_jobs(CTX, {"NextToken": "not-a-token"})
        with pytest.raises(SageMakerValidation, match="TrainingImage"):
            await sm.create_training_job(
                CTX, {**request("no-image"), "AlgorithmSpecification": {"AlgorithmName": "x"}}
            )


async def test_open_job_without_container_fails_at_start(tmp_path: Path) -> None:
    async with running_service(SageMakerService, tmp_path) as sm:
        await sm.create_training_job(CTX, request("left-open"))
        await settled(sm, "left-open")

        def reopen(conn: Any) -> None:
            row = conn.execute("SELECT doc FROM sagemaker_jobs").fetchone()
            doc = {**json.loads(row["doc"]), "TrainingJobStatus": "InProgress"}
            doc.pop("FailureReason")
            conn.execute(
                "UPDATE sagemaker_jobs SET status = 'InProgress', doc = ?", (json.dumps(doc),)
            )

        await sm.store.write(reopen)
    async with running_service(SageMakerService, tmp_path) as sm:
        job = await sm.describe_training_job(CTX, {"TrainingJobName": "left-open"})
        assert job["TrainingJobStatus"] == "Failed"
        assert "irisops restarted while the job was running" in job["FailureReason"]
