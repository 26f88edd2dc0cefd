"""The SageMaker Python SDK 2.x, unchanged, against irisops: ``Estimator.fit`` with logs
tailed from CloudWatch Logs, ``.deploy``, ``Predictor.predict``, ``delete_endpoint``.

Everything the SDK touches is an irisops client: the SageMaker and Runtime clients are
passed to ``sagemaker.Session``, and the S3 client it builds itself picks up irisops
through ``AWS_ENDPOINT_URL``. Telemetry is opted out in the session's config (which also
stops the SDK looking for config files), and a guard on name resolution fails the test
if anything tries to reach a host other than the local server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from docker_engine import DockerEngine

from irisops.sdk.server import ServerProcess
from tests.integration.sagemaker_endpoint_setup import (
    SETOSA,
    endpoint_containers,
    execution_role,
    inference_image,
)
from tests.sagemaker_jobs import DEMO_CSV, training_image

__all__ = ["inference_image"]

pytestmark = pytest.mark.docker
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


def test_estimator_fit_deploy_predict(
    sdk_env: ServerProcess,
    offline: list[str],
    training: str,
    inference_image: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sagemaker.deserializers import JSONDeserializer
    from sagemaker.estimator import Estimator
    from sagemaker.serializers import JSONSerializer

    s3 = sdk_env.client("s3")
    s3.create_bucket(Bucket="sdk-data")
    s3.put_object(Bucket="sdk-data", Key="train/iris.csv", Body=DEMO_CSV.read_bytes())
    role = execution_role(sdk_env.client)
    sess = sdk_session(sdk_env, "sdk-artifacts")

    estimator = Estimator(
        image_uri=training,
        role=role,
        instance_count=1,
        instance_type="ml.m5.large",
        output_path="s3://sdk-data/output",
        sagemaker_session=sess,
        hyperparameters={"epochs": 2},
        base_job_name="iris-sdk",
    )
    estimator.fit({"train": "s3://sdk-data/train/"}, logs=True)
    job = estimator.latest_training_job.describe()
    assert job["TrainingJobStatus"] == "Completed"
    assert estimator.model_data == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert estimator.model_data.startswith("s3://sdk-data/output/iris-sdk-")
    tailed = capsys.readouterr().out
    assert "train_accuracy=" in tailed

    # The hosting image differs from the training one, as in a real SageMaker setup.
    predictor = estimator.deploy(
        initial_instance_count=1,
        instance_type="ml.m5.large",
        image_uri=inference_image,
        serializer=JSONSerializer(),
        deserializer=JSONDeserializer(),
    )
    endpoint = predictor.endpoint_name
    described = sess.sagemaker_client.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointStatus"] == "InService"
    answer = predictor.predict({"features": SETOSA})
    assert answer == {"prediction": "setosa", "features": SETOSA}
    assert len(endpoint_containers(endpoint)) == 1

    predictor.delete_endpoint()
    sess.sagemaker_client.get_waiter("endpoint_deleted").wait(
        EndpointName=endpoint, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    assert endpoint_containers(endpoint, every_state=True) == []
    assert offline == []
