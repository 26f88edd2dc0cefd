"""Endpoints on real containers through boto3: Creating -> InService, invocations of
the iris model (JSON and CSV), variants and TargetVariant, errors, blue/green updates and
their rollback, a killed container replaced, bad image and unsafe model data Failed,
delete removing the containers."""

from __future__ import annotations

import base64
import http.client
import json
import os
import secrets
import subprocess
import time
import urllib.request
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.event_stream import listen
from tests.integration.sagemaker_endpoint_setup import (
    FAST,
    SETOSA,
    VIRGINICA,
    create_config,
    create_model,
    deploy,
    endpoint_containers,
    inference_image,
    invoke_json,
    model_tarball,
    put_model_data,
    tarball,
    wait_status,
)
from tests.sagemaker_jobs import wait_for

__all__ = ["inference_image"]

pytestmark = pytest.mark.docker
ACCOUNT = "123456789012"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{kind}/{name.lower()}"


def test_endpoint_serves_the_iris_model(client: Any, inference_image: str) -> None:
    sm, runtime = client("sagemaker"), client("sagemaker-runtime")
    described = deploy(client, "Iris-Ep", inference_image)
    assert described["EndpointArn"] == arn("endpoint", "Iris-Ep")
    assert described["EndpointConfigName"] == "Iris-Ep"
    [variant] = described["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    assert variant["CurrentInstanceCount"] == variant["DesiredInstanceCount"] == 1
    assert variant["CurrentWeight"] == variant["DesiredWeight"] == 1.0
    [image] = variant["DeployedImages"]
    assert image["SpecifiedImage"] == inference_image and "@sha256:" in image["ResolvedImage"]
    sm.get_waiter("endpoint_in_service").wait(EndpointName="Iris-Ep", WaiterConfig=FAST)

    answer, out = invoke_json(runtime, "Iris-Ep", SETOSA, CustomAttributes="trace=1")
    assert answer == {"prediction": "setosa", "features": SETOSA}
    assert out["InvokedProductionVariant"] == "AllTraffic"
    assert out["ContentType"] == "application/json"
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == (
        "AllTraffic"
    )
    csv = runtime.invoke_endpoint(
        EndpointName="Iris-Ep", Body=b"5.1,3.5,1.4,0.2\n6.8,3.0,5.5,2.1\n", ContentType="text/csv"
    )
    assert csv["Body"].read() == b"setosa\nvirginica\n"
    assert csv["ContentType"] == "text/csv"

    with pytest.raises(ClientError) as bad:
        runtime.invoke_endpoint(EndpointName="Iris-Ep", Body=b"1,2", ContentType="text/csv")
    error = bad.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == 400
    assert "expected 4 features" in error["OriginalMessage"]
    assert error["LogStreamArn"].endswith(":log-group:/aws/sagemaker/Endpoints/Iris-Ep")
    assert error["Error"]["Message"].startswith("Received client error (400) from primary")

    with pytest.raises(ClientError) as missing:
        runtime.invoke_endpoint(EndpointName="nope", Body=b"1", ContentType="text/csv")
    assert missing.value.response["Error"]["Code"] == "ValidationError"
    assert missing.value.response["Error"]["Message"] == (
        f"Endpoint nope of account {ACCOUNT} not found."
    )

    # What the gateway's fast lane hands to aiohttp (a chunked body) is answered the same.
    endpoint_url = runtime.meta.endpoint_url
    conn = http.client.HTTPConnection(endpoint_url.split("//", 1)[1], timeout=30)
    conn.request(
        "POST",
        "/endpoints/Iris-Ep/invocations",
        body=iter([b"5.1,3.5,", b"1.4,0.2\n"]),
        headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    chunked = conn.getresponse()
    assert (chunked.status, chunked.read()) == (200, b"setosa\n")
    assert chunked.getheader("x-Amzn-Invoked-Production-Variant") == "AllTraffic"
    conn.close()

    logs = client("logs")
    # Once InService, the instance's stream exists and holds the container's first lines.
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/Endpoints/Iris-Ep")
    assert [s["logStreamName"].split("/")[0] for s in streams["logStreams"]] == ["AllTraffic"]

    listed = sm.list_endpoints(StatusEquals="InService", NameContains="iris")["Endpoints"]
    assert [e["EndpointName"] for e in listed] == ["Iris-Ep"]
    assert len(endpoint_containers("Iris-Ep")) == 1
    sm.delete_endpoint(EndpointName="Iris-Ep")
    sm.get_waiter("endpoint_deleted").wait(EndpointName="Iris-Ep", WaiterConfig=FAST)
    assert endpoint_containers("Iris-Ep", every_state=True) == []
    with pytest.raises(ClientError) as gone:
        sm.describe_endpoint(EndpointName="Iris-Ep")
    assert gone.value.response["Error"]["Message"] == (
        f'Could not find endpoint "{arn("endpoint", "Iris-Ep")}".'
    )


def test_names_roles_and_tags(client: Any, inference_image: str) -> None:
    sm = client("sagemaker")
    url = put_model_data(client, "models", "t/model.tar.gz", model_tarball())
    with pytest.raises(ClientError) as no_role:
        sm.create_model(
            ModelName="m",
            PrimaryContainer={"Image": inference_image, "ModelDataUrl": url},
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/missing",
        )
    assert no_role.value.response["Error"]["Code"] == "ValidationException"
    assert no_role.value.response["Error"]["Message"].startswith(
        f"Could not assume role arn:aws:iam::{ACCOUNT}:role/missing."
    )
    create_model(client, "m", inference_image, url)
    with pytest.raises(ClientError) as dup:
        create_model(client, "m", inference_image, url)
    assert dup.value.response["Error"]["Message"] == (
        f'Cannot create already existing model "{arn("model", "m")}".'
    )
    sm.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": "m",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert sm.list_tags(ResourceArn=arn("endpoint-config", "c"))["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]
    with pytest.raises(ClientError) as missing_model:
        create_config(client, "c2", [("v", "ghost", 1, 1.0)])
    assert missing_model.value.response["Error"]["Message"] == (
        f'Could not find model "{arn("model", "ghost")}".'
    )
    sm.create_endpoint(
        EndpointName="tagged", EndpointConfigName="c", Tags=[{"Key": "stage", "Value": "dev"}]
    )
    with pytest.raises(ClientError) as dup_ep:
        sm.create_endpoint(EndpointName="tagged", EndpointConfigName="c")
    assert dup_ep.value.response["Error"]["Message"] == (
        f'Cannot create already existing endpoint "{arn("endpoint", "tagged")}".'
    )
    assert sm.list_tags(ResourceArn=arn("endpoint", "tagged"))["Tags"] == [
        {"Key": "stage", "Value": "dev"}
    ]
    wait_status(sm, "tagged", "InService")
    with pytest.raises(ClientError) as missing_config:
        sm.update_endpoint(EndpointName="tagged", EndpointConfigName="ghost")
    assert missing_config.value.response["Error"]["Message"] == (
        f'Could not find endpoint configuration "{arn("endpoint-config", "ghost")}".'
    )
    assert sm.describe_endpoint(EndpointName="tagged")["EndpointStatus"] == "InService"


def test_variants_weights_and_target_variant(client: Any, inference_image: str) -> None:
    sm, runtime = client("sagemaker"), client("sagemaker-runtime")
    url = put_model_data(client, "models", "v/model.tar.gz", model_tarball())
    create_model(client, "mv", inference_image, url)
    create_config(client, "split", [("Blue", "mv", 1, 1.0), ("Green", "mv", 1, 0.0)])
    sm.create_endpoint(EndpointName="split", EndpointConfigName="split")
    wait_status(sm, "split", "InService")
    served = Counter(
        invoke_json(runtime, "split", SETOSA)[1]["InvokedProductionVariant"] for _ in range(10)
    )
    assert served == {"Blue": 10}
    answer, out = invoke_json(runtime, "split", VIRGINICA, TargetVariant="Green")
    assert (answer["prediction"], out["InvokedProductionVariant"]) == ("virginica", "Green")

    sm.update_endpoint_weights_and_capacities(
        EndpointName="split",
        DesiredWeightsAndCapacities=[
            {"VariantName": "Blue", "DesiredWeight": 0.0},
            {"VariantName": "Green", "DesiredWeight": 1.0, "DesiredInstanceCount": 2},
        ],
    )
    described = wait_status(sm, "split", "InService")
    green = next(v for v in described["ProductionVariants"] if v["VariantName"] == "Green")
    assert green["CurrentInstanceCount"] == 2 and green["CurrentWeight"] == 1.0
    assert len(endpoint_containers("split")) == 3
    served = Counter(
        invoke_json(runtime, "split", SETOSA)[1]["InvokedProductionVariant"] for _ in range(6)
    )
    assert served == {"Green": 6}


def test_update_swaps_config_and_failed_update_rolls_back(
    client: Any, inference_image: str
) -> None:
    sm, runtime = client("sagemaker"), client("sagemaker-runtime")
    first = deploy(client, "bluegreen", inference_image)
    old_containers = set(endpoint_containers("bluegreen"))
    create_config(client, "bluegreen-2", [("Next", "bluegreen", 1, 1.0)])
    sm.update_endpoint(EndpointName="bluegreen", EndpointConfigName="bluegreen-2")
    assert sm.describe_endpoint(EndpointName="bluegreen")["EndpointStatus"] == "Updating"
    with pytest.raises(ClientError) as busy:
        sm.update_endpoint(EndpointName="bluegreen", EndpointConfigName="bluegreen-2")
    assert "Cannot update in-progress endpoint" in busy.value.response["Error"]["Message"]
    updated = wait_status(sm, "bluegreen", "InService")
    assert updated["EndpointConfigName"] == "bluegreen-2"
    assert updated["LastModifiedTime"] > first["LastModifiedTime"]
    assert [v["VariantName"] for v in updated["ProductionVariants"]] == ["Next"]
    assert invoke_json(runtime, "bluegreen", SETOSA)[1]["InvokedProductionVariant"] == "Next"
    # Traffic moved, then the old instance was deleted, then InService.
    assert not old_containers & set(endpoint_containers("bluegreen", every_state=True))
    assert len(endpoint_containers("bluegreen")) == 1

    # A config whose model data has no model.json: the new container exits, the update
    # rolls back and the endpoint keeps serving the old config.
    broken = put_model_data(
        client, "models", "broken/model.tar.gz", tarball({"README": b"no model here"})
    )
    create_model(client, "broken", inference_image, broken)
    create_config(client, "bluegreen-3", [("Broken", "broken", 1, 1.0)])
    sm.update_endpoint(EndpointName="bluegreen", EndpointConfigName="bluegreen-3")
    rolled_back = wait_status(sm, "bluegreen", "InService", "Failed")
    assert rolled_back["EndpointStatus"] == "InService"
    assert rolled_back["EndpointConfigName"] == "bluegreen-2"
    assert "model.json" in rolled_back["FailureReason"]
    assert invoke_json(runtime, "bluegreen", VIRGINICA)[0]["prediction"] == "virginica"


def test_killed_container_is_replaced(client: Any, inference_image: str) -> None:
    runtime = client("sagemaker-runtime")
    deploy(client, "resilient", inference_image)
    [container] = endpoint_containers("resilient")
    subprocess.run(["docker", "kill", container], check=True, capture_output=True, timeout=60)
    sm = client("sagemaker")
    deadline = time.monotonic() + 60
    while True:
        running = endpoint_containers("resilient")
        if running and container not in running:
            try:
                if invoke_json(runtime, "resilient", SETOSA)[0]["prediction"] == "setosa":
                    break
            except ClientError:
                pass
        assert time.monotonic() < deadline, "the killed instance was not replaced"
        time.sleep(0.3)
    assert sm.describe_endpoint(EndpointName="resilient")["EndpointStatus"] == "InService"


def test_bad_image_and_unsafe_model_data_fail(client: Any, inference_image: str) -> None:
    sm = client("sagemaker")
    create_model(client, "noimage", "irisops-test/does-not-exist:1", None)
    create_config(client, "noimage", [("AllTraffic", "noimage", 1, 1.0)])
    sm.create_endpoint(EndpointName="noimage", EndpointConfigName="noimage")
    with pytest.raises(WaiterError):
        sm.get_waiter("endpoint_in_service").wait(EndpointName="noimage", WaiterConfig=FAST)
    failed = sm.describe_endpoint(EndpointName="noimage")
    assert failed["EndpointStatus"] == "Failed"
    assert "irisops-test/does-not-exist:1" in failed["FailureReason"]

    unsafe = put_model_data(
        client,
        "models",
        "evil/model.tar.gz",
        tarball({"../../escape.txt": b"x", "model.json": b"{}"}),
    )
    create_model(client, "evil", inference_image, unsafe)
    create_config(client, "evil", [("AllTraffic", "evil", 1, 1.0)])
    sm.create_endpoint(EndpointName="evil", EndpointConfigName="evil")
    failed = wait_status(sm, "evil", "Failed", "InService")
    assert failed["EndpointStatus"] == "Failed"
    assert "escapes the model directory" in failed["FailureReason"]
    assert endpoint_containers("evil", every_state=True) == []
    with pytest.raises(ClientError):
        sm.update_endpoint(EndpointName="evil", EndpointConfigName="evil")
    sm.delete_endpoint(EndpointName="evil")
    sm.get_waiter("endpoint_deleted").wait(EndpointName="evil", WaiterConfig=FAST)


def test_state_changes_are_published(client: Any, clean_server: Any, inference_image: str) -> None:
    received: list[dict[str, Any]] = []
    listener = listen(
        f"{clean_server.url}/_irisops/events?service=sagemaker",
        received,
        lambda got: got[-1]["type"] == "sagemaker.EndpointDeleted",
    )
    deploy(client, "evented", inference_image)
    sm = client("sagemaker")
    sm.delete_endpoint(EndpointName="evented")
    listener.join(60)
    types = [e["type"] for e in received]
    assert types[:2] == ["sagemaker.ModelCreated", "sagemaker.EndpointConfigCreated"]
    states = [
        e["detail"]["EndpointStatus"]
        for e in received
        if e["type"] == "sagemaker.EndpointStateChanged"
    ]
    assert states == ["Creating", "InService", "Deleting"]
    assert types[-1] == "sagemaker.EndpointDeleted"
    assert received[-1]["detail"]["EndpointName"] == "evented"
    assert received[-1]["resource"] == arn("endpoint", "evented")


def test_endpoint_runs_an_image_from_ecr(
    client: Any, clean_server: Any, inference_image: str, tmp_path: Any
) -> None:
    """Image as AWS users write it (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG), pushed
    to irisops' registry and absent from the engine: the endpoint pulls it."""
    ecr = client("ecr")
    name = f"iris-inference-{secrets.token_hex(4)}"
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(token).decode().partition(":")[2]
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path / "docker-config")}

    def docker(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            ["docker", *args],
            capture_output=True,
            text=True,
            env=env,
            input=stdin,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    try:
        docker("login", "-u", "AWS", "--password-stdin", uri.split("/")[0], stdin=password)
        docker("tag", inference_image, f"{uri}:v1")
        docker("push", f"{uri}:v1")
        docker("rmi", f"{uri}:v1")
        image = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}:v1"
        described = deploy(client, "from-ecr", image)
        [deployed] = described["ProductionVariants"][0]["DeployedImages"]
        assert deployed["SpecifiedImage"] == image
        assert deployed["ResolvedImage"].startswith(f"{uri}@sha256:")
        runtime = client("sagemaker-runtime")
        assert invoke_json(runtime, "from-ecr", VIRGINICA)[0]["prediction"] == "virginica"
    finally:
        subprocess.run(["docker", "rmi", "-f", f"{uri}:v1"], capture_output=True, timeout=120)


def test_ping_never_healthy_fails_at_the_deadline(client: Any, inference_image: str) -> None:
    """The container runs but serves on another port: /ping on 8080 never answers, so
    the endpoint fails once ContainerStartupHealthCheckTimeoutInSeconds (60, the least
    allowed) has passed."""
    sm = client("sagemaker")
    url = put_model_data(client, "models", "deaf/model.tar.gz", model_tarball())
    sm.create_model(
        ModelName="deaf",
        PrimaryContainer={
            "Image": inference_image,
            "ModelDataUrl": url,
            "Environment": {"SAGEMAKER_BIND_TO_PORT": "9999"},
        },
    )
    sm.create_endpoint_config(
        EndpointConfigName="deaf",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "deaf",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "ContainerStartupHealthCheckTimeoutInSeconds": 60,
            }
        ],
    )
    sm.create_endpoint(EndpointName="deaf", EndpointConfigName="deaf")
    failed = wait_status(sm, "deaf", "Failed", "InService", timeout=180)
    assert failed["EndpointStatus"] == "Failed"
    reason = failed["FailureReason"]
    assert "did not pass the ping health check within 60 seconds" in reason
    assert "serving 3 classes on port 9999" in reason  # the container's last log lines
    # Removed (a loaded engine once still listed it just after the Failed was recorded).
    wait_for(lambda: endpoint_containers("deaf", every_state=True) == [], timeout=30)


def test_delete_while_creating(client: Any, inference_image: str) -> None:
    sm = client("sagemaker")
    url = put_model_data(client, "models", "slow/model.tar.gz", model_tarball())
    sm.create_model(
        ModelName="slow",
        PrimaryContainer={
            "Image": inference_image,
            "ModelDataUrl": url,
            "Environment": {"SAGEMAKER_BIND_TO_PORT": "9999"},
        },
    )
    create_config(client, "slow", [("AllTraffic", "slow", 2, 1.0)])
    sm.create_endpoint(EndpointName="slow", EndpointConfigName="slow")
    deadline = time.monotonic() + 60
    while len(endpoint_containers("slow")) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert sm.describe_endpoint(EndpointName="slow")["EndpointStatus"] == "Creating"
    sm.delete_endpoint(EndpointName="slow")
    sm.get_waiter("endpoint_deleted").wait(EndpointName="slow", WaiterConfig=FAST)
    assert endpoint_containers("slow", every_state=True) == []
    assert sm.list_endpoints(NameContains="slow")["Endpoints"] == []


def test_invocation_figures_are_published_and_in_the_state(
    client: Any, clean_server: Any, inference_image: str
) -> None:
    figures: list[dict[str, Any]] = []
    deploy(client, "counted", inference_image)
    listener = listen(
        f"{clean_server.url}/_irisops/events?type=sagemaker-runtime.EndpointInvocations",
        figures,
        lambda got: sum(e["detail"]["Invocations"] for e in got) >= 6,
    )
    runtime = client("sagemaker-runtime")
    for _ in range(5):
        assert invoke_json(runtime, "counted", SETOSA)[0]["prediction"] == "setosa"
    with pytest.raises(ClientError) as err:
        runtime.invoke_endpoint(EndpointName="counted", Body=b"not json")
    assert err.value.response["Error"]["Code"] == "ModelError"
    listener.join(30)
    assert {e["resource"] for e in figures} == {arn("endpoint", "counted")}
    assert sum(e["detail"]["Invocations"] for e in figures) == 6
    assert sum(e["detail"]["Errors"] for e in figures) == 1
    assert all(0 < e["detail"]["P50Ms"] <= e["detail"]["P99Ms"] for e in figures)

    with urllib.request.urlopen(f"{clean_server.url}/_irisops/state", timeout=10) as resp:
        state = json.load(resp)["services"]["sagemaker-runtime"]["endpoints"]
    entry = state[arn("endpoint", "counted")]
    assert entry["EndpointName"] == "counted"
    assert (entry["Invocations"], entry["Errors"]) == (6, 1)
    [instance] = entry["Instances"]
    assert instance["Variant"] == "AllTraffic" and instance["Healthy"] is True
    assert instance["Port"] > 0
