"""What the endpoint tests share: the iris inference image built for the run, a
model.tar.gz as a training job packs it (``model.json`` at the archive root, the
nearest-centroid model of containers/training), and a deploy helper."""

from __future__ import annotations

import importlib.util
import io
import json
import secrets
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docker_engine import DockerEngine
from tests.iris_data import iris_csv

CONTAINERS = Path(__file__).resolve().parents[2] / "containers"
ROLE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
FAST = {"Delay": 1, "MaxAttempts": 120}
SETOSA = [5.1, 3.5, 1.4, 0.2]
VIRGINICA = [6.8, 3.0, 5.5, 2.1]


@pytest.fixture(scope="session")
def inference_image(docker_engine: DockerEngine) -> Iterator[str]:
    tag = f"irisops-test/iris-inference:{secrets.token_hex(4)}"
    argv = ["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={docker_engine.base_image}"]
    built = subprocess.run(
        [*argv, "-t", tag, str(CONTAINERS / "inference")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    try:
        yield tag
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def trained_model() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location(
        "iris_model", CONTAINERS / "training" / "iris_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = Path(__file__).parent / "_iris.csv"
    path.write_text(iris_csv())
    try:
        features, xs, ys = module.read_rows([path])
    finally:
        path.unlink()
    model: dict[str, Any] = module.fit(features, xs, ys)
    return model


def tarball(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def model_tarball() -> bytes:
    return tarball({"model.json": json.dumps(trained_model()).encode()})


def put_model_data(client: Any, bucket: str, key: str, data: bytes) -> str:
    s3 = client("s3")
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return f"s3://{bucket}/{key}"


def execution_role(client: Any) -> str:
    iam = client("iam")
    try:
        return str(iam.get_role(RoleName="SageMakerRole")["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="SageMakerRole", AssumeRolePolicyDocument=ROLE_TRUST)
        return str(role["Role"]["Arn"])


def create_model(client: Any, name: str, image: str, data_url: str | None) -> None:
    container: dict[str, Any] = {"Image": image, "Environment": {"IRIS": "1"}}
    if data_url:
        container["ModelDataUrl"] = data_url
    client("sagemaker").create_model(
        ModelName=name, PrimaryContainer=container, ExecutionRoleArn=execution_role(client)
    )


def create_config(client: Any, name: str, variants: list[tuple[str, str, int, float]]) -> None:
    client("sagemaker").create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InitialInstanceCount": count,
                "InitialVariantWeight": weight,
                "InstanceType": "ml.m5.large",
            }
            for variant, model, count, weight in variants
        ],
    )


def deploy(
    client: Any, name: str, image: str, data: bytes | None = None, instances: int = 1
) -> dict[str, Any]:
    """Model + config + endpoint ``name``; the endpoint's description once InService."""
    url = put_model_data(client, "models", f"{name}/model.tar.gz", data or model_tarball())
    create_model(client, name, image, url)
    create_config(client, name, [("AllTraffic", name, instances, 1.0)])
    sm = client("sagemaker")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    return wait_status(sm, name, "InService")


def wait_status(sm: Any, name: str, *statuses: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sm.describe_endpoint(EndpointName=name)
        if described["EndpointStatus"] in statuses:
            return described
        assert time.monotonic() < deadline, described
        time.sleep(0.2)


def invoke_json(
    runtime: Any, name: str, features: list[float], **extra: Any
) -> tuple[dict[str, Any], Any]:
    out = runtime.invoke_endpoint(
        EndpointName=name,
        Body=json.dumps({"features": features}),
        ContentType="application/json",
        **extra,
    )
    return json.loads(out["Body"].read()), out


def endpoint_containers(name: str, *, every_state: bool = False) -> list[str]:
    """Ids of the running (or, with every_state, all) containers labelled with the
    endpoint's ARN, whichever server started them."""
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name.lower()}"
    argv = ["docker", "ps", "-q", *(["-a"] if every_state else [])]
    done = subprocess.run(
        [*argv, "--filter", f"label=irisops.resource={arn}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()


def settled_endpoint_containers(name: str, want: int, timeout_s: float = 30) -> list[str]:
    """The endpoint's running containers once there are ``want`` of them: after an
    update, the old fleet's containers are stopped (SIGTERM, a grace period) after the
    endpoint is back InService."""
    deadline = time.monotonic() + timeout_s
    while len(found := endpoint_containers(name)) != want and time.monotonic() < deadline:
        time.sleep(0.2)
    return found
