"""The SageMaker Python SDK 2.x, unchanged, against irisops: ``Estimator.fit`` with logs
tailed from CloudWatch Logs, ``.deploy``, ``Predictor.predict``, ``delete_endpoint``.

Everything the SDK touches is an irisops client: the SageMaker and Runtime clients are
passed to ``sagemaker.Session``, and the S3 client it builds itself picks up irisops
through ``AWS_ENDPOINT_URL``. Telemetry is opted out in the session's config (which also
stops the SDK looking for config files), and a guard on name resolution fails the test
if anything tries to reach a host other than the local server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import WaiterError

from irisops.sdk.server import ServerProcess
from tests.docker_engine import DockerEngine
from tests.integration.sagemaker_endpoint_setup import (
    SETOSA,
    endpoint_containers,
    execution_role,
    inference_image,
    settled_endpoint_containers,
)
from tests.sagemaker_jobs import DEMO_CSV, training_image

__all__ = ["inference_image"]

TAGS = [{"Key": "team", "Value": "ml"}]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
NO_TELEMETRY = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}


@pytest.fixture(scope="module")
def training(docker_engine: DockerEngine) -> Iterator[str]:
    with training_image(docker_engine.base_image) as tag:
        yield tag


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuses (and records) name resolution of any host but the local server."""
    refused: list[str] = []
    real = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL_HOSTS:
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"irisops test: {name} is not local")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    yield refused


@pytest.fixture
def sdk_env(clean_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> ServerProcess:
    """The environment the SDK needs before it is imported: importing it builds a default
    Session from the default credential chain (which would ask the EC2 metadata service
    without keys in the environment), and its own S3 clients take no endpoint argument."""
    for name, value in {
        "AWS_ENDPOINT_URL": clean_server.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return clean_server


def sdk_session(server: ServerProcess, bucket: str) -> Any:
    import boto3
    import sagemaker

    boto_session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    return sagemaker.Session(
        boto_session=boto_session,
        sagemaker_client=boto_session.client("sagemaker", endpoint_url=server.url),
        sagemaker_runtime_client=boto_session.client("sagemaker-runtime", endpoint_url=server.url),
        default_bucket=bucket,
        sagemaker_config=NO_TELEMETRY,
    )


@pytest.mark.docker
def test_estimator_fit_deploy_predict(
    sdk_env: ServerProcess,
    offline: list[str],
    training: str,
    inference_image: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sagemaker.deserializers import JSONDeserializer
    from sagemaker.estimator import Estimator
    from sagemaker.predictor import Predictor
    from sagemaker.serializers import JSONSerializer

    s3 = sdk_env.client("s3")
    s3.create_bucket(Bucket="sdk-data")
    s3.put_object(Bucket="sdk-data", Key="train/iris.csv", Body=DEMO_CSV.read_bytes())
    execution_role(sdk_env.client)
    sess = sdk_session(sdk_env, "sdk-artifacts")

    estimator = Estimator(
        image_uri=training,
        role="SageMakerRole",  # a name: the SDK expands it through IAM GetRole
        instance_count=1,
        instance_type="ml.m5.large",
        output_path="s3://sdk-data/output",
        sagemaker_session=sess,
        hyperparameters={"epochs": 2},
        base_job_name="iris-sdk",
        tags=TAGS,
    )
    estimator.fit({"train": "s3://sdk-data/train/"}, logs=True)
    job = estimator.latest_training_job.describe()
    assert job["TrainingJobStatus"] == "Completed"
    assert estimator.model_data == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert estimator.model_data.startswith("s3://sdk-data/output/iris-sdk-")
    assert sess.sagemaker_client.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"] == TAGS
    tailed = capsys.readouterr().out
    assert "train_accuracy=" in tailed

    attached = Estimator.attach(job["TrainingJobName"], sagemaker_session=sess)
    assert attached.model_data == estimator.model_data
    assert attached.hyperparameters() == {"epochs": "2"}
    assert (attached.instance_count, attached.instance_type) == (1, "ml.m5.large")

    # fit(wait=False), then boto3's waiter on the job the SDK started.
    estimator.fit({"train": "s3://sdk-data/train/"}, wait=False)
    second = estimator.latest_training_job.name
    assert second != job["TrainingJobName"]
    sm = sess.sagemaker_client
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=second, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    assert sm.describe_training_job(TrainingJobName=second)["TrainingJobStatus"] == "Completed"
    with pytest.raises(WaiterError) as missing:
        sm.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName="no-such-job", WaiterConfig={"Delay": 1, "MaxAttempts": 3}
        )
    assert missing.value.last_response["Error"]["Code"] == "ValidationException"

    # The hosting image differs from the training one, as in a real SageMaker setup.
    predictor = estimator.deploy(
        initial_instance_count=1,
        instance_type="ml.m5.large",
        image_uri=inference_image,
        serializer=JSONSerializer(),
        deserializer=JSONDeserializer(),
        tags=TAGS,
    )
    endpoint = predictor.endpoint_name
    described = sm.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointStatus"] == "InService"
    assert sm.list_tags(ResourceArn=described["EndpointArn"])["Tags"] == TAGS
    answer = predictor.predict({"features": SETOSA})
    assert answer == {"prediction": "setosa", "features": SETOSA}
    assert len(endpoint_containers(endpoint)) == 1

    # Blue/green through the SDK: a new endpoint config copied from the current one. The
    # SDK's own wait polls every 30 s; boto3's waiter with a short delay is the quick way.
    predictor.update_endpoint(initial_instance_count=2, instance_type="ml.m5.large", wait=False)
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating"
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName=endpoint, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    updated = sm.describe_endpoint(EndpointName=endpoint)
    assert updated["EndpointStatus"] == "InService"
    assert updated["EndpointConfigName"] != described["EndpointConfigName"]
    assert updated["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert len(settled_endpoint_containers(endpoint, 2)) == 2

    attached_predictor = Predictor(endpoint, sagemaker_session=sess, serializer=JSONSerializer())
    assert json.loads(attached_predictor.predict({"features": SETOSA}))["prediction"] == "setosa"
    predictor.delete_model()
    predictor.delete_endpoint()
    sm.get_waiter("endpoint_deleted").wait(
        EndpointName=endpoint, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    assert endpoint_containers(endpoint, every_state=True) == []
    assert sm.list_models()["Models"] == []
    # delete_endpoint deletes the endpoint's current config; the SDK leaves the first one.
    configs = sm.list_endpoint_configs()["EndpointConfigs"]
    assert [c["EndpointConfigName"] for c in configs] == [described["EndpointConfigName"]]
    assert offline == []


def test_session_default_bucket_s3_helpers_and_role_name(
    sdk_env: ServerProcess, offline: list[str], tmp_path: Any
) -> None:
    """What the SDK does around a job: create its default bucket (HeadBucket 404, then
    CreateBucket), upload/list/read/download data, expand a role name through IAM."""
    sess = sdk_session(sdk_env, "sdk-default")
    assert sess.default_bucket() == "sdk-default"
    s3 = sdk_env.client("s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["sdk-default"]
    assert sess.default_bucket() == "sdk-default"

    uri = sess.upload_data(str(DEMO_CSV), key_prefix="data/train")
    assert uri == "s3://sdk-default/data/train/iris.csv"
    sess.upload_string_as_file_body("a,b\n", "sdk-default", "data/extra.csv")
    assert sess.list_s3_files("sdk-default", "data/") == ["data/extra.csv", "data/train/iris.csv"]
    assert sess.read_s3_file("sdk-default", "data/extra.csv") == "a,b\n"
    sess.download_data(str(tmp_path), "sdk-default", key_prefix="data/train/")
    assert (tmp_path / "iris.csv").read_bytes() == DEMO_CSV.read_bytes()

    role = execution_role(sdk_env.client)
    assert sess.expand_role("SageMakerRole") == role
    assert offline == []


@pytest.mark.docker
def test_fit_of_a_failing_job_raises_with_the_failure_reason(
    sdk_env: ServerProcess, offline: list[str], training: str
) -> None:
    from sagemaker.estimator import Estimator
    from sagemaker.exceptions import UnexpectedStatusException

    s3 = sdk_env.client("s3")
    s3.create_bucket(Bucket="sdk-bad")
    s3.put_object(Bucket="sdk-bad", Key="train/bad.csv", Body=b"a,b,c\n1,x,2\n3,y,z\n")
    execution_role(sdk_env.client)
    estimator = Estimator(
        image_uri=training,
        role="SageMakerRole",
        instance_count=1,
        instance_type="ml.m5.large",
        output_path="s3://sdk-bad/output",
        sagemaker_session=sdk_session(sdk_env, "sdk-bad"),
    )
    with pytest.raises(UnexpectedStatusException) as failed:
        estimator.fit({"train": "s3://sdk-bad/train/"}, logs=True)
    message = str(failed.value)
    assert ": Failed. Reason: ValueError: could not convert string to float" in message
    assert offline == []


COUNT_SPECIES = """
import collections, csv, json, pathlib
rows = list(csv.DictReader(open('/opt/ml/processing/input/data/iris.csv')))
counts = collections.Counter(row['species'] for row in rows)
pathlib.Path('/opt/ml/processing/output/counts.json').write_text(json.dumps(counts))
print('counted', len(rows), 'rows')
"""


@pytest.mark.docker
def test_script_processor_runs_code_uploaded_by_the_sdk(
    sdk_env: ServerProcess,
    offline: list[str],
    docker_engine: DockerEngine,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ScriptProcessor uploads the script to the default bucket, the job runs it with
    the inputs staged, uploads the output, and the SDK tails the job's logs."""
    from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor

    s3 = sdk_env.client("s3")
    s3.create_bucket(Bucket="sdk-proc")
    s3.put_object(Bucket="sdk-proc", Key="raw/iris.csv", Body=DEMO_CSV.read_bytes())
    execution_role(sdk_env.client)
    script = tmp_path / "count_species.py"
    script.write_text(COUNT_SPECIES)
    sess = sdk_session(sdk_env, "sdk-proc-default")
    processor = ScriptProcessor(
        image_uri=docker_engine.base_image,
        command=["python3"],
        role="SageMakerRole",
        instance_count=1,
        instance_type="ml.m5.large",
        sagemaker_session=sess,
        base_job_name="count-species",
    )
    data = ProcessingInput(source="s3://sdk-proc/raw/", destination="/opt/ml/processing/input/data")
    out = ProcessingOutput(source="/opt/ml/processing/output", destination="s3://sdk-proc/out")
    processor.run(code=str(script), inputs=[data], outputs=[out], logs=True)
    job = processor.latest_job.describe()
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    code_input = [i for i in job["ProcessingInputs"] if i["InputName"] == "code"]
    assert code_input[0]["S3Input"]["S3Uri"].startswith("s3://sdk-proc-default/")
    counts = s3.get_object(Bucket="sdk-proc", Key="out/counts.json")["Body"].read()
    assert json.loads(counts) == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert "counted 150 rows" in capsys.readouterr().out
    assert offline == []
