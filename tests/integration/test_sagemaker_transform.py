"""Batch transform jobs on the real iris inference container through boto3: a CSV with
an id column filtered, joined and assembled by line; a manifest input with MultiRecord
batches; stop mid-job; a missing model; a record the container refuses; a server
killed mid-job."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from irisops.sdk.server import ServerProcess
from tests.event_stream import listen
from tests.integration.sagemaker_endpoint_setup import (
    FAST,
    create_model,
    inference_image,
    model_tarball,
    put_model_data,
)
from tests.iris_data import ROWS

__all__ = ["inference_image"]

pytestmark = pytest.mark.docker
ACCOUNT = "123456789012"


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:transform-job/{name.lower()}"


def iris_model(client: Any, name: str, image: str) -> None:
    url = put_model_data(client, "models", f"{name}/model.tar.gz", model_tarball())
    create_model(client, name, image, url)


def id_rows() -> list[tuple[str, str, str]]:
    """(id, features as CSV, species) of the iris rows."""
    out = []
    for index, row in enumerate(ROWS):
        *features, species = row.split(",")
        out.append((f"r{index}", ",".join(features), species))
    return out


def transform_request(name: str, model: str, uri: str, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TransformJobName": name,
        "ModelName": model,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": f"s3://data/{name}/out",
            "Accept": "text/csv",
            "AssembleWith": "Line",
        },
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
    }
    request.update(extra)
    return request


def job_containers(name: str) -> list[str]:
    done = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=irisops.resource={job_arn(name)}"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.split()


def wait_serving(name: str) -> None:
    """Until the job's container answers /ping (the transform then sends at once)."""
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline
        ids = job_containers(name)
        port = subprocess.run(
            ["docker", "port", ids[0], "8080/tcp"] if ids else ["true"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout.split()  # fmt: skip
        if port:
            try:
                with urllib.request.urlopen(f"http://{port[0]}/ping", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.1)


def wait_done(sm: Any, name: str) -> dict[str, Any]:
    """The boto3 waiter (which raises on Failed: the caller's assert then shows why)."""
    with contextlib.suppress(WaiterError):
        sm.get_waiter("transform_job_completed_or_stopped").wait(
            TransformJobName=name, WaiterConfig=FAST
        )
    described: dict[str, Any] = sm.describe_transform_job(TransformJobName=name)
    return described


def test_csv_with_ids_filtered_joined_and_assembled(client: Any, inference_image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    iris_model(client, "iris-tm", inference_image)
    s3.create_bucket(Bucket="data")
    rows = id_rows()
    body = "".join(f"{rid},{features}\n" for rid, features, _ in rows)
    s3.put_object(Bucket="data", Key="in/batch.csv", Body=body.encode())
    request = transform_request(
        "Iris-Batch",
        "iris-tm",
        "s3://data/in/",
        BatchStrategy="SingleRecord",
        MaxConcurrentTransforms=4,
        DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    arn = sm.create_transform_job(**request)["TransformJobArn"]
    assert arn == job_arn("Iris-Batch")
    with pytest.raises(ClientError) as dup:
        sm.create_transform_job(**request)
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"

    described = wait_done(sm, "Iris-Batch")
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["TransformStartTime"] <= described["TransformEndTime"]
    assert described["CreationTime"] <= described["TransformStartTime"]
    assert described["DataProcessing"]["OutputFilter"] == "$[0,-1]"
    out = s3.get_object(Bucket="data", Key="Iris-Batch/out/batch.csv.out")
    lines = out["Body"].read().decode().splitlines()
    assert lines == [f"{rid},{species}" for rid, _, species in rows]
    assert out["ContentType"] == "text/csv"

    streams = client("logs").describe_log_streams(logGroupName="/aws/sagemaker/TransformJobs")
    [stream] = streams["logStreams"]
    assert stream["logStreamName"].startswith("Iris-Batch/i-")
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    listed = sm.list_transform_jobs(NameContains="batch", StatusEquals="Completed")
    assert [j["TransformJobName"] for j in listed["TransformJobSummaries"]] == ["Iris-Batch"]
    assert job_containers("Iris-Batch") == []
    with pytest.raises(ClientError) as stop_done:
        sm.stop_transform_job(TransformJobName="Iris-Batch")
    assert stop_done.value.response["Error"]["Code"] == "ValidationException"


def test_manifest_multirecord_and_listing(client: Any, inference_image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    iris_model(client, "iris-tm", inference_image)
    s3.create_bucket(Bucket="data")
    rows = id_rows()
    features = "".join(f"{f}\n" for _, f, _ in rows)
    s3.put_object(Bucket="data", Key="m/a.csv", Body=features.encode())
    s3.put_object(Bucket="data", Key="m/b.csv", Body=features.encode())
    s3.put_object(Bucket="data", Key="m/manifest", Body=b'[{"prefix": "s3://data/m/"}, "b.csv"]')
    source = {"S3DataType": "ManifestFile", "S3Uri": "s3://data/m/manifest"}
    request = transform_request(
        "manifest-job", "iris-tm", "", BatchStrategy="MultiRecord", MaxPayloadInMB=1
    )
    request["TransformInput"]["DataSource"]["S3DataSource"] = source
    request["TransformOutput"].pop("AssembleWith")
    sm.create_transform_job(**request)
    described = wait_done(sm, "manifest-job")
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    out = s3.get_object(Bucket="data", Key="manifest-job/out/b.csv.out")["Body"].read()
    assert out.decode().splitlines() == [species for _, _, species in rows]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="data", Prefix="manifest-job/")["Contents"]]
    assert keys == ["manifest-job/out/b.csv.out"]

    with pytest.raises(ClientError) as missing:
        sm.describe_transform_job(TransformJobName="nope")
    assert missing.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as no_model:
        sm.create_transform_job(**transform_request("no-model", "ghost", "s3://data/m/"))
    assert no_model.value.response["Error"]["Code"] == "ValidationException"
    assert no_model.value.response["Error"]["Message"] == (
        f'Could not find model "arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/ghost".'
    )
    assert sm.list_transform_jobs()["TransformJobSummaries"][0]["TransformJobName"] == (
        "manifest-job"
    )


def test_stop_mid_job_stores_nothing(client: Any, inference_image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    iris_model(client, "iris-tm", inference_image)
    s3.create_bucket(Bucket="data")
    features = "".join(f"{f}\n" for _, f, _ in id_rows())
    s3.put_object(Bucket="data", Key="big/big.csv", Body=(features * 3000).encode())
    sm.create_transform_job(
        **transform_request("stop-me", "iris-tm", "s3://data/big/", BatchStrategy="SingleRecord")
    )
    wait_serving("stop-me")
    sm.stop_transform_job(TransformJobName="stop-me")
    assert sm.describe_transform_job(TransformJobName="stop-me")["TransformJobStatus"] in (
        "Stopping",
        "Stopped",
    )
    described = wait_done(sm, "stop-me")
    assert described["TransformJobStatus"] == "Stopped"
    assert "TransformEndTime" in described
    assert "Contents" not in s3.list_objects_v2(Bucket="data", Prefix="stop-me/")
    assert job_containers("stop-me") == []


def test_a_refused_record_fails_the_job(client: Any, inference_image: str) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    iris_model(client, "iris-tm", inference_image)
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="bad/x.csv", Body=b"5.1,3.5,1.4,0.2\n1,2\n")
    sm.create_transform_job(
        **transform_request("bad-rec", "iris-tm", "s3://data/bad/", BatchStrategy="SingleRecord")
    )
    described = wait_done_failed(sm, "bad-rec")
    assert described["TransformJobStatus"] == "Failed"
    assert "answered 400" in described["FailureReason"]
    assert "expected 4 features" in described["FailureReason"]
    assert "Contents" not in s3.list_objects_v2(Bucket="data", Prefix="bad-rec/")
    assert job_containers("bad-rec") == []


def wait_done_failed(sm: Any, name: str) -> dict[str, Any]:
    """The waiter raises on Failed: poll until the job ends."""
    deadline = time.monotonic() + 120
    while True:
        described: dict[str, Any] = sm.describe_transform_job(TransformJobName=name)
        if described["TransformJobStatus"] in ("Completed", "Failed", "Stopped"):
            return described
        assert time.monotonic() < deadline, described
        time.sleep(0.2)


def test_sigkill_mid_job_fails_it_on_restart(tmp_path: Path, inference_image: str) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    try:
        iris_model(server.client, "iris-tm", inference_image)
        sm, s3 = server.client("sagemaker"), server.client("s3")
        s3.create_bucket(Bucket="data")
        features = "".join(f"{f}\n" for _, f, _ in id_rows())
        s3.put_object(Bucket="data", Key="big/big.csv", Body=(features * 20000).encode())
        sm.create_transform_job(
            **transform_request("killed", "iris-tm", "s3://data/big/", BatchStrategy="SingleRecord")
        )
        wait_serving("killed")
        server.kill()
        assert job_containers("killed"), "the container outlives the server"

        server = ServerProcess(data).start()
        sm, s3 = server.client("sagemaker"), server.client("s3")
        described = wait_done_failed(sm, "killed")
        assert described["TransformJobStatus"] == "Failed"
        assert "irisops restarted while the job was running" in described["FailureReason"]
        assert job_containers("killed") == []
        assert "Contents" not in s3.list_objects_v2(Bucket="data", Prefix="killed/")
    finally:
        server.kill()


def test_state_changes_are_published(clean_server: Any, inference_image: str) -> None:
    client = clean_server.client
    iris_model(client, "iris-tm", inference_image)
    sm, s3 = client("sagemaker"), client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="ev/x.csv", Body=b"5.1,3.5,1.4,0.2\n")
    events: list[dict[str, Any]] = []
    listener = listen(
        f"{clean_server.url}/_irisops/events?service=sagemaker",
        events,
        lambda got: got[-1]["detail"]["TransformJobStatus"] != "InProgress",
        keep=lambda event: event["type"] == "sagemaker.TransformJobStateChanged",
        timeout=120,
    )
    sm.create_transform_job(**transform_request("evented", "iris-tm", "s3://data/ev/"))
    listener.join(120)
    assert not listener.is_alive()
    assert {e["resource"] for e in events} == {job_arn("evented")}
    details = [e["detail"] for e in events]
    assert details[0] == {"TransformJobName": "evented", "TransformJobStatus": "InProgress"}
    assert details[-1] == {"TransformJobName": "evented", "TransformJobStatus": "Completed"}
