"""Processing jobs as real containers: inputs from S3 at their LocalPath, outputs back
to S3 at the end, entrypoint and arguments, environment, failure, stop."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.conftest import reset
from tests.docker_engine import DockerEngine
from tests.sagemaker_jobs import DEMO_CSV, ROLE, log_text, wait_for

pytestmark = pytest.mark.docker

SPLIT = """
import collections, csv, json, os, pathlib, sys
rows = list(csv.DictReader(open('/opt/ml/processing/input/data/iris.csv')))
out = pathlib.Path('/opt/ml/processing/output')
by = collections.defaultdict(list)
for row in rows:
    by[row['species']].append(row)
for species, items in by.items():
    (out / 'by-species').mkdir(exist_ok=True)
    (out / 'by-species' / f'{species}.csv').write_text(''.join(
        ','.join(r[k] for k in list(r)[:4]) + '\\n' for r in items))
config = json.load(open('/opt/ml/config/processingjobconfig.json'))
(out / 'summary.json').write_text(json.dumps({
    'rows': len(rows), 'args': sys.argv[1:], 'env': os.environ.get('SPLIT_MODE'),
    'job': config['ProcessingJobName']}))
pathlib.Path('/opt/ml/output/message').write_text('split ' + str(len(rows)) + ' rows')
print('processed', len(rows), 'rows')
"""

FAIL = "import pathlib; pathlib.Path('/opt/ml/output/message').write_text('bad rows'); exit(3)"
SLEEP = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print('ready', flush=True)
while True:
    time.sleep(0.1)
"""
HOSTS = """
import json, pathlib, socket, time
config = json.load(open("/opt/ml/config/resourceconfig.json"))
me = config["current_host"]
if me == "algo-2":  # a rendezvous over the job's network: algo-1 connects to algo-2
    conn, _ = socket.create_server(("0.0.0.0", 9000)).accept()
    conn.sendall(b"hi")
else:
    for attempt in range(200):
        try:
            socket.create_connection(("algo-2", 9000), timeout=5).recv(2)
            break
        except OSError:
            time.sleep(0.05)
    else:
        raise SystemExit("algo-2 does not answer")
pathlib.Path(f"/opt/ml/processing/output/{me}.json").write_text(json.dumps(config))
"""
SCRIPTS = {"split": SPLIT, "fail": FAIL, "sleep": SLEEP, "hosts": HOSTS}


def request(name: str, image: str, entrypoint: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1,
            }
        },
        "AppSpecification": {"ImageUri": image, "ContainerEntrypoint": entrypoint},
        "ProcessingInputs": [
            {
                "InputName": "code",
                "S3Input": {
                    "S3Uri": "s3://iris-proc/code/",
                    "LocalPath": "/opt/ml/processing/input/code",
                    "S3DataType": "S3Prefix",
                },
            },
            {
                "InputName": "data",
                "S3Input": {
                    "S3Uri": "s3://iris-proc/raw/",
                    "LocalPath": "/opt/ml/processing/input/data",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "split",
                    "S3Output": {
                        "S3Uri": f"s3://iris-proc/processed/{name}",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        **extra,
    }  # fmt: skip


def put_inputs(s3: Any) -> None:
    s3.create_bucket(Bucket="iris-proc")
    s3.put_object(Bucket="iris-proc", Key="raw/iris.csv", Body=DEMO_CSV.read_bytes())
    for name, code in SCRIPTS.items():
        s3.put_object(Bucket="iris-proc", Key=f"code/{name}.py", Body=code.encode())


def entrypoint(script: str) -> list[str]:
    return ["python3", f"/opt/ml/processing/input/code/{script}.py"]


def final(sm: Any, name: str) -> dict[str, Any] | None:
    job = sm.describe_processing_job(ProcessingJobName=name)
    return job if job["ProcessingJobStatus"] in ("Completed", "Failed", "Stopped") else None


def test_processing_job_writes_outputs_to_s3(client: Any, docker_engine: DockerEngine) -> None:
    sm, s3, logs = client("sagemaker"), client("s3"), client("logs")
    put_inputs(s3)
    image = docker_engine.base_image
    req = request(
        "split-iris", image, entrypoint("split"),
        Environment={"SPLIT_MODE": "species"}, Tags=[{"Key": "k", "Value": "v"}],
    )  # fmt: skip
    req["AppSpecification"]["ContainerArguments"] = ["--by", "species"]
    arn = sm.create_processing_job(**req)["ProcessingJobArn"]
    assert arn.endswith(":processing-job/split-iris")
    sm.get_waiter("processing_job_completed_or_stopped").wait(
        ProcessingJobName="split-iris", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    job = sm.describe_processing_job(ProcessingJobName="split-iris")
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["ExitMessage"] == "split 150 rows"
    assert job["CreationTime"] <= job["ProcessingStartTime"] <= job["ProcessingEndTime"]
    listed = s3.list_objects_v2(Bucket="iris-proc", Prefix="processed/split-iris/")
    keys = sorted(obj["Key"] for obj in listed["Contents"])
    assert keys == [
        "processed/split-iris/by-species/setosa.csv",
        "processed/split-iris/by-species/versicolor.csv",
        "processed/split-iris/by-species/virginica.csv",
        "processed/split-iris/summary.json",
    ]
    summary = s3.get_object(Bucket="iris-proc", Key="processed/split-iris/summary.json")
    assert json.loads(summary["Body"].read()) == {
        "rows": 150, "args": ["--by", "species"], "env": "species", "job": "split-iris",
    }  # fmt: skip
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    summaries = sm.list_processing_jobs(NameContains="split")["ProcessingJobSummaries"]
    assert [s["ProcessingJobName"] for s in summaries] == ["split-iris"]
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/ProcessingJobs", logStreamNamePrefix="split-iris/"
    )["logStreams"]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/ProcessingJobs",
        logStreamName=streams[0]["logStreamName"],
        startFromHead=True,
    )["events"]
    assert [e["message"] for e in events] == ["processed 150 rows"]
    assert log_text(logs, "/aws/sagemaker/ProcessingJobs", "split-iris") == "processed 150 rows"
    with pytest.raises(ClientError) as dup:
        sm.create_processing_job(**req)
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    with pytest.raises(ClientError) as missing:
        sm.describe_processing_job(ProcessingJobName="nope")
    assert missing.value.response["Error"]["Code"] == "ValidationException"


def test_processing_on_two_instances(
    clean_server: ServerProcess, docker_engine: DockerEngine
) -> None:
    sm, s3 = clean_server.client("sagemaker"), clean_server.client("s3")
    put_inputs(s3)
    req = request("two", docker_engine.base_image, entrypoint("hosts"))
    req["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = 2
    arn = sm.create_processing_job(**req)["ProcessingJobArn"]
    job = wait_for(lambda: final(sm, "two"))
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    listed = s3.list_objects_v2(Bucket="iris-proc", Prefix="processed/two/")
    assert sorted(o["Key"] for o in listed["Contents"]) == [
        "processed/two/algo-1.json", "processed/two/algo-2.json",
    ]  # fmt: skip
    body = s3.get_object(Bucket="iris-proc", Key="processed/two/algo-2.json")["Body"].read()
    assert json.loads(body) == {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]}
    # A reset right after the job ended leaves neither its containers nor its network.
    reset(clean_server.url)
    for kind in ("container", "network"):
        listed = subprocess.run(
            ["docker", kind, "ls", "-q", "--filter", f"label=irisops.resource={arn}"]
            + (["-a"] if kind == "container" else []),
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert listed.stdout.split() == [], kind


def test_processing_failure_and_stop(client: Any, docker_engine: DockerEngine) -> None:
    sm, s3 = client("sagemaker"), client("s3")
    put_inputs(s3)
    image = docker_engine.base_image
    sm.create_processing_job(**request("fails", image, entrypoint("fail")))
    sm.create_processing_job(**request("sleeps", image, entrypoint("sleep")))
    job = wait_for(lambda: final(sm, "fails"))
    assert job["ProcessingJobStatus"] == "Failed"
    assert job["FailureReason"] == "bad rows"
    wait_for(
        lambda: "ProcessingStartTime" in sm.describe_processing_job(ProcessingJobName="sleeps")
    )
    sm.stop_processing_job(ProcessingJobName="sleeps")
    job = wait_for(lambda: final(sm, "sleeps"))
    assert job["ProcessingJobStatus"] == "Stopped"
    assert "Contents" not in s3.list_objects_v2(Bucket="iris-proc", Prefix="processed/sleeps/")
    with pytest.raises(ClientError) as stop:
        sm.stop_processing_job(ProcessingJobName="sleeps")
    assert stop.value.response["Error"]["Code"] == "ValidationException"
