"""Helpers of the SageMaker job tests: the iris training image, data in S3, a job
request, waiting for a status."""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CONTAINERS = Path(__file__).resolve().parents[1] / "containers"
DEMO_CSV = Path(__file__).resolve().parents[1] / "demo" / "iris.csv"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


@contextmanager
def training_image(base_image: str) -> Iterator[str]:
    tag = f"irisops-test/iris-training:{secrets.token_hex(4)}"
    done = subprocess.run(
        ["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base_image}", "-t", tag,
         str(CONTAINERS / "training")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    try:
        yield tag
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def put_training_data(s3: Any, bucket: str, body: bytes | None = None) -> str:
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="train/iris.csv", Body=body or DEMO_CSV.read_bytes())
    return f"s3://{bucket}/train/"


def job_request(name: str, image: str, train_uri: str, bucket: str, **extra: Any) -> dict:
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": image,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "train:accuracy", "Regex": r"train_accuracy=([0-9.]+)"}],
        },
        "RoleArn": ROLE,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "ContentType": "text/csv",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": train_uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    request.update(extra)
    return request


def wait_for(check: Callable[[], Any], timeout: float = 120, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(every)


def wait_done(sm: Any, name: str) -> dict[str, Any]:
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 180}
    )
    return sm.describe_training_job(TrainingJobName=name)


def model_json(s3: Any, uri: str) -> dict[str, Any]:
    bucket, key = uri[5:].split("/", 1)
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        assert tar.getnames() == ["model.json"]
        member = tar.extractfile("model.json")
        assert member is not None
        return json.loads(member.read())


def log_text(logs: Any, group: str, name: str) -> str:
    """Every message of the job's log streams (``NAME/...``) in ``group``, one per line;
    empty while the group does not exist."""
    try:
        streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=f"{name}/")
    except logs.exceptions.ResourceNotFoundException:
        return ""
    messages = []
    for stream in streams["logStreams"]:
        events = logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
        )["events"]
        messages += [event["message"] for event in events]
    return "\n".join(messages)
