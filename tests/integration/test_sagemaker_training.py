"""Training jobs as real containers: data from S3, model.tar.gz to S3, the state
machine, stop, max runtime, failures, errors, tags, logs."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.docker_engine import DockerEngine
from tests.event_stream import listen
from tests.sagemaker_jobs import (
    job_request,
    log_text,
    model_json,
    put_training_data,
    training_image,
    wait_done,
    wait_for,
)

pytestmark = pytest.mark.docker
LOG_GROUP = "/aws/sagemaker/TrainingJobs"


@pytest.fixture(scope="module")
def image(docker_engine: DockerEngine) -> Iterator[str]:
    with training_image(docker_engine.base_image) as tag:
        yield tag


def test_training_reads_s3_and_writes_the_model(client: Any, image: str) -> None:
    sm, s3, logs = client("sagemaker"), client("s3"), client("logs")
    train = put_training_data(s3, "iris-data")
    tags = [{"Key": "team", "Value": "ml"}]
    arn = sm.create_training_job(
        **job_request("iris-1", image, train, "iris-data", Tags=tags,
                      HyperParameters={"epochs": "2"})
    )["TrainingJobArn"]  # fmt: skip
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:training-job/iris-1"
    job = wait_done(sm, "iris-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["SecondaryStatus"] == "Completed"
    statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
    assert statuses == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all("EndTime" in t and "StatusMessage" in t for t in job["SecondaryStatusTransitions"])
    assert job["TrainingTimeInSeconds"] > 0 and job["BillableTimeInSeconds"] > 0
    assert job["CreationTime"] <= job["TrainingStartTime"] <= job["TrainingEndTime"]
    assert job["LastModifiedTime"] > job["CreationTime"]
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["train:accuracy"] > 0.9
    uri = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri == "s3://iris-data/output/iris-1/output/model.tar.gz"
    model = model_json(s3, uri)
    assert sorted(model["centroids"]) == ["setosa", "versicolor", "virginica"]
    assert model["epochs"] == 2

    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="iris-1/"
    )["logStreams"]
    assert [s["logStreamName"].rsplit("-", 1)[0] for s in streams] == ["iris-1/algo-1"]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamName=streams[0]["logStreamName"],
        startFromHead=True,
    )["events"]
    assert any("train_accuracy=" in e["message"] for e in events)

    with pytest.raises(ClientError) as dup:
        sm.create_training_job(**job_request("iris-1", image, train, "iris-data"))
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    assert dup.value.response["Error"]["Message"] == (
        "Training job names must be unique within an AWS account and region, and a training "
        f"job with this name already exists ({arn})"
    )
    with pytest.raises(ClientError) as stop:
        sm.stop_training_job(TrainingJobName="iris-1")
    assert stop.value.response["Error"]["Message"] == (
        "The request was rejected because the training job is in status Completed."
    )
    for call in (sm.describe_training_job, sm.stop_training_job):
        with pytest.raises(ClientError) as missing:
            call(TrainingJobName="nope")
        assert missing.value.response["Error"]["Code"] == "ValidationException"
        assert missing.value.response["Error"]["Message"] == "Requested resource not found."


def test_state_changes_are_published(clean_server: ServerProcess, image: str) -> None:
    sm, s3 = clean_server.client("sagemaker"), clean_server.client("s3")
    train = put_training_data(s3, "iris-events")
    events: list[dict[str, Any]] = []
    listener = listen(
        f"{clean_server.url}/_irisops/events?service=sagemaker",
        events,
        lambda got: got[-1]["detail"]["TrainingJobStatus"] != "InProgress",
        keep=lambda event: event["type"] == "sagemaker.TrainingJobStateChanged",
    )
    arn = sm.create_training_job(**job_request("evented", image, train, "iris-events"))[
        "TrainingJobArn"
    ]
    listener.join(60)
    assert [e["resource"] for e in events] == [arn] * 5
    assert [(e["detail"]["TrainingJobStatus"], e["detail"]["SecondaryStatus"]) for e in events] == [
        ("InProgress", "Starting"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    assert events[0]["detail"]["TrainingJobName"] == "evented"


def test_list_filters_sorts_and_pages(client: Any, image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-list")
    for name in ("list-a", "list-b", "other-c"):
        sm.create_training_job(**job_request(name, image, train, "iris-list"))
    for name in ("list-a", "list-b", "other-c"):
        wait_done(sm, name)
    names = [j["TrainingJobName"] for j in sm.list_training_jobs()["TrainingJobSummaries"]]
    assert names == ["list-a", "list-b", "other-c"]
    desc = sm.list_training_jobs(SortBy="Name", SortOrder="Descending", NameContains="LIST")
    assert [j["TrainingJobName"] for j in desc["TrainingJobSummaries"]] == ["list-b", "list-a"]
    page = sm.list_training_jobs(MaxResults=2)
    assert len(page["TrainingJobSummaries"]) == 2
    rest = sm.list_training_jobs(MaxResults=2, NextToken=page["NextToken"])
    assert [j["TrainingJobName"] for j in rest["TrainingJobSummaries"]] == ["other-c"]
    assert "NextToken" not in rest
    assert sm.list_training_jobs(StatusEquals="Failed")["TrainingJobSummaries"] == []
    first = sm.describe_training_job(TrainingJobName="list-a")
    after = sm.list_training_jobs(CreationTimeAfter=first["CreationTime"])
    assert [j["TrainingJobName"] for j in after["TrainingJobSummaries"]] == ["list-b", "other-c"]
    before = sm.list_training_jobs(LastModifiedTimeBefore=first["CreationTime"])
    assert before["TrainingJobSummaries"] == []


def test_bad_data_fails_with_the_failure_file(client: Any, image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-bad", b"a,b,c\n1,x,2\n3,y,z\n")
    sm.create_training_job(**job_request("bad-data", image, train, "iris-bad"))
    job = wait_for(lambda: _final(sm, "bad-data"))
    assert job["TrainingJobStatus"] == "Failed"
    assert job["SecondaryStatus"] == "Failed"
    assert job["FailureReason"].startswith("ValueError: could not convert string to float")
    # The whole log is in CloudWatch Logs by the time the job says it ended.
    assert "could not convert string to float" in log_text(client("logs"), LOG_GROUP, "bad-data")


def test_bad_image_and_missing_input_fail(client: Any, image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-img")
    sm.create_training_job(**job_request("no-image", "irisops-test/none:nope", train, "iris-img"))
    sm.create_training_job(**job_request("no-data", image, "s3://iris-img/empty/", "iris-img"))
    job = wait_for(lambda: _final(sm, "no-image"))
    assert job["TrainingJobStatus"] == "Failed"
    assert "irisops-test/none:nope" in job["FailureReason"]
    job = wait_for(lambda: _final(sm, "no-data"))
    assert job["TrainingJobStatus"] == "Failed"
    assert "no S3 objects found under s3://iris-img/empty/" in job["FailureReason"]


def test_stop_mid_flight_keeps_the_saved_model(client: Any, image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-stop")
    slow = {"epochs": "1000", "seconds_per_epoch": "0.2"}
    sm.create_training_job(
        **job_request("stop-me", image, train, "iris-stop", HyperParameters=slow)
    )
    wait_for(lambda: _status(sm, "stop-me") == ("InProgress", "Training"))
    # Stop once the container has installed its SIGTERM handler and saved a model.
    wait_for(lambda: "epoch=2" in log_text(client("logs"), LOG_GROUP, "stop-me"))
    # A refused duplicate changes nothing: the running job keeps its files and model.
    with pytest.raises(ClientError) as dup:
        sm.create_training_job(**job_request("stop-me", image, train, "iris-stop"))
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    sm.stop_training_job(TrainingJobName="stop-me")
    assert _status(sm, "stop-me")[0] in ("Stopping", "Stopped")
    job = wait_done(sm, "stop-me")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "Stopped")
    statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
    assert statuses == ["Starting", "Downloading", "Training", "Stopping", "Stopped"]
    model = model_json(s3, job["ModelArtifacts"]["S3ModelArtifacts"])
    assert 1 <= model["epochs"] < 1000


def test_max_runtime_exceeded(client: Any, image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-slow")
    slow = {"epochs": "1000", "seconds_per_epoch": "0.2"}
    sm.create_training_job(
        **job_request("too-slow", image, train, "iris-slow", HyperParameters=slow,
                      StoppingCondition={"MaxRuntimeInSeconds": 2})
    )  # fmt: skip
    job = wait_done(sm, "too-slow")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")
    assert job["TrainingTimeInSeconds"] >= 2


CHECKPOINTER = """
import pathlib
c = pathlib.Path("/opt/ml/checkpoints")
n = int((c / "step").read_text()) if (c / "step").exists() else 0
(c / "step").write_text(str(n + 1))
(c / "old.txt").unlink(missing_ok=True)
(c / "sub").mkdir(exist_ok=True)
(c / "sub" / "new.txt").write_text("new")
pathlib.Path("/opt/ml/model/step").write_text(str(n + 1))
"""


def test_checkpoints_sync_with_s3(client: Any, docker_engine: DockerEngine) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    train = put_training_data(s3, "iris-ckpt")
    s3.put_object(Bucket="iris-ckpt", Key="ckpt/step", Body=b"41")
    s3.put_object(Bucket="iris-ckpt", Key="ckpt/old.txt", Body=b"old")
    s3.put_object(Bucket="iris-ckpt", Key="code/ckpt.py", Body=CHECKPOINTER.encode())
    request = job_request(
        "ckpt", docker_engine.base_image, train, "iris-ckpt",
        CheckpointConfig={"S3Uri": "s3://iris-ckpt/ckpt"},
    )  # fmt: skip
    request["AlgorithmSpecification"].update(
        ContainerEntrypoint=["python3"], ContainerArguments=["/opt/ml/input/data/code/ckpt.py"]
    )
    code = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://iris-ckpt/code/"}}
    request["InputDataConfig"].append({"ChannelName": "code", "DataSource": code})
    sm.create_training_job(**request)
    job = wait_done(sm, "ckpt")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="iris-ckpt", Prefix="ckpt/")["Contents"]]
    assert keys == ["ckpt/step", "ckpt/sub/new.txt"]
    assert s3.get_object(Bucket="iris-ckpt", Key="ckpt/step")["Body"].read() == b"42"


CLUSTER = """
import json, pathlib, socket, time
config = json.load(open("/opt/ml/input/config/resourceconfig.json"))
me = config["current_host"]
if me == "algo-2":
    server = socket.create_server(("0.0.0.0", 9000))
    conn, _ = server.accept()
    conn.sendall(b"hello from " + socket.gethostname().encode())
    conn.close()
else:
    for _ in range(200):
        try:
            reply = socket.create_connection(("algo-2", 9000), timeout=5).recv(100).decode()
            break
        except OSError:
            time.sleep(0.05)
    pathlib.Path("/opt/ml/model/cluster.json").write_text(json.dumps({**config, "reply": reply}))
print(me, "done")
"""


def test_two_instances_share_a_network(client: Any, docker_engine: DockerEngine) -> None:
    sm, s3, logs = client("sagemaker"), client("s3"), client("logs")
    train = put_training_data(s3, "iris-cluster")
    s3.put_object(Bucket="iris-cluster", Key="code/cluster.py", Body=CLUSTER.encode())
    request = job_request(
        "cluster", docker_engine.base_image, train, "iris-cluster",
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 1},
    )  # fmt: skip
    request["AlgorithmSpecification"].update(
        ContainerEntrypoint=["python3"], ContainerArguments=["/opt/ml/input/data/code/cluster.py"]
    )
    code = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://iris-cluster/code/"}}
    request["InputDataConfig"].append({"ChannelName": "code", "DataSource": code})
    sm.create_training_job(**request)
    job = wait_done(sm, "cluster")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    bucket, key = job["ModelArtifacts"]["S3ModelArtifacts"][5:].split("/", 1)
    with tarfile.open(
        fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    ) as tar:
        member = tar.extractfile("cluster.json")
        assert member is not None
        cluster = json.loads(member.read())
    assert cluster["current_host"] == "algo-1"
    assert cluster["hosts"] == ["algo-1", "algo-2"]
    assert cluster["reply"] == "hello from algo-2"
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="cluster/"
    )["logStreams"]
    assert [s["logStreamName"].rsplit("-", 1)[0] for s in streams] == [
        "cluster/algo-1", "cluster/algo-2",
    ]  # fmt: skip


def _status(sm: Any, name: str) -> tuple[str, str]:
    job = sm.describe_training_job(TrainingJobName=name)
    return job["TrainingJobStatus"], job["SecondaryStatus"]


def _final(sm: Any, name: str) -> dict[str, Any] | None:
    job = sm.describe_training_job(TrainingJobName=name)
    return job if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped") else None
