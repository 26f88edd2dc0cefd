"""Multi-container models on real containers through boto3: a Serial inference pipeline
(the iris model, then tests/images/postprocess) answering through both containers, each
told its port; errors naming the container that gave them; direct invocation by
ContainerHostname; a dead container replacing its whole instance; the models SageMaker
refuses."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from irisops.sdk.server import ServerProcess
from tests.integration.sagemaker_endpoint_setup import (
    SETOSA,
    VIRGINICA,
    create_config,
    create_pipeline_model,
    endpoint_containers,
    execution_role,
    inference_image,
    invoke_json,
    model_tarball,
    postprocess_image,
    put_model_data,
    wait_status,
)
from tests.sagemaker_jobs import wait_for

__all__ = ["inference_image", "postprocess_image"]

ACCOUNT = "123456789012"


def pipeline_endpoint(
    client: Any, name: str, iris: str, post: str, mode: str | None = None, **hostnames: str
) -> dict[str, Any]:
    """The iris model then postprocess as one model, deployed on one instance."""
    url = put_model_data(client, "models", f"{name}/model.tar.gz", model_tarball())
    first: dict[str, Any] = {"Image": iris, "ModelDataUrl": url}
    second: dict[str, Any] = {"Image": post, "Environment": {"STEP": "2"}}
    if hostnames:
        first["ContainerHostname"], second["ContainerHostname"] = (
            hostnames["first"],
            hostnames["second"],
        )
    create_pipeline_model(client, name, [first, second], mode)
    create_config(client, name, [("AllTraffic", name, 1, 1.0)])
    sm = client("sagemaker")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    return wait_status(sm, name, "InService")


def container_labels(ids: list[str]) -> list[dict[str, str]]:
    done = subprocess.run(
        ["docker", "inspect", "--format", "{{json .Config.Labels}}", *ids],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return [json.loads(line) for line in done.stdout.splitlines()]


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    response: dict[str, Any] = caught.value.response
    return response


@pytest.mark.docker
def test_serial_pipeline_runs_every_container_in_turn(
    client: Any, inference_image: str, postprocess_image: str
) -> None:
    sm, runtime, logs = client("sagemaker"), client("sagemaker-runtime"), client("logs")
    described = pipeline_endpoint(client, "Pipe-Ep", inference_image, postprocess_image)
    [variant] = described["ProductionVariants"]
    assert [i["SpecifiedImage"] for i in variant["DeployedImages"]] == [
        inference_image,
        postprocess_image,
    ]
    assert all("@sha256:" in i["ResolvedImage"] for i in variant["DeployedImages"])
    model = sm.describe_model(ModelName="Pipe-Ep")
    assert [c["Image"] for c in model["Containers"]] == [inference_image, postprocess_image]

    ids = endpoint_containers("Pipe-Ep")
    labels = container_labels(ids)
    assert len(ids) == 2
    assert {lab["irisops.sagemaker.container"] for lab in labels} == {"container-1", "container-2"}
    assert len({lab["irisops.sagemaker.instance"] for lab in labels}) == 1

    # Serial: the iris answer goes to postprocess, which was told port 8081 and its range.
    answer, out = invoke_json(runtime, "Pipe-Ep", SETOSA)
    assert answer == {"species": "SETOSA", "port": 8081, "safe_port_range": "9100-9199"}
    assert out["InvokedProductionVariant"] == "AllTraffic"
    assert out["ContentType"] == "application/json"
    rows = "\n".join(",".join(map(str, r)) for r in (SETOSA, VIRGINICA))
    csv = runtime.invoke_endpoint(
        EndpointName="Pipe-Ep", Body=rows, ContentType="text/csv", Accept="text/csv"
    )
    assert csv["Body"].read().decode() == "SETOSA\nVIRGINICA\n"

    # An error answer names the container that gave it, as SageMaker does.
    bad_first = error_of(
        lambda: runtime.invoke_endpoint(
            EndpointName="Pipe-Ep", Body=b"not json", ContentType="application/json"
        )
    )
    assert bad_first["Error"]["Code"] == "ModelError"
    assert bad_first["Error"]["Message"].startswith(
        "Received client error (400) from container-1 with message"
    )
    batch = json.dumps({"instances": [SETOSA]})
    bad_second = error_of(
        lambda: runtime.invoke_endpoint(
            EndpointName="Pipe-Ep", Body=batch, ContentType="application/json"
        )
    )
    assert bad_second["Error"]["Message"].startswith(
        'Received client error (400) from container-2 with message "postprocess wants'
    )
    assert bad_second["OriginalStatusCode"] == 400
    # Naming a container is for direct invocation only.
    target = error_of(lambda: invoke_json(runtime, "Pipe-Ep", SETOSA, TargetContainerHostname="x"))
    assert target["Error"]["Code"] == "ValidationError"

    # Each container logs to <variant>/<instance-id>/<ContainerHostname>.
    group = "/aws/sagemaker/Endpoints/Pipe-Ep"
    instance = labels[0]["irisops.sagemaker.instance"]
    streams = wait_for(
        lambda: (
            names
            if len(
                names := [
                    s["logStreamName"]
                    for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
                    if s.get("lastEventTimestamp")
                ]
            )
            == 2
            else None
        ),
        timeout=30,
    )
    assert sorted(streams) == [
        f"AllTraffic/{instance}/container-1",
        f"AllTraffic/{instance}/container-2",
    ]
    events = logs.get_log_events(
        logGroupName=group, logStreamName=f"AllTraffic/{instance}/container-2", startFromHead=True
    )["events"]
    assert any("postprocess serving on port 8081" in e["message"] for e in events)

    # A dead container takes its whole instance out: both are replaced, serving again.
    second = next(
        i for i, lab in zip(ids, labels, strict=True)
        if lab["irisops.sagemaker.container"] == "container-2"
    )  # fmt: skip
    subprocess.run(["docker", "kill", second], capture_output=True, check=True, timeout=60)
    fresh = wait_for(
        lambda: (now if len(now := endpoint_containers("Pipe-Ep")) == 2 and not set(now) & set(ids)
                 else None),
        timeout=90,
    )  # fmt: skip
    assert len(fresh) == 2
    answer = wait_for(lambda: _answer_or_none(runtime, "Pipe-Ep"), timeout=30)
    assert answer["species"] == "SETOSA"

    sm.delete_endpoint(EndpointName="Pipe-Ep")
    wait_for(lambda: not endpoint_containers("Pipe-Ep", every_state=True), timeout=60)


def _answer_or_none(runtime: Any, name: str) -> dict[str, Any] | None:
    try:
        return invoke_json(runtime, name, SETOSA)[0]
    except ClientError:
        time.sleep(0.2)
        return None


@pytest.mark.docker
def test_direct_invocation_picks_the_named_container(
    client: Any, inference_image: str, postprocess_image: str
) -> None:
    sm, runtime = client("sagemaker"), client("sagemaker-runtime")
    pipeline_endpoint(
        client, "Direct-Ep", inference_image, postprocess_image, "Direct", first="iris",
        second="upper",
    )  # fmt: skip
    model = sm.describe_model(ModelName="Direct-Ep")
    assert model["InferenceExecutionConfig"] == {"Mode": "Direct"}
    assert [c["ContainerHostname"] for c in model["Containers"]] == ["iris", "upper"]

    answer, _ = invoke_json(runtime, "Direct-Ep", VIRGINICA, TargetContainerHostname="iris")
    assert answer == {"prediction": "virginica", "features": VIRGINICA}
    upper = runtime.invoke_endpoint(
        EndpointName="Direct-Ep",
        Body=json.dumps({"prediction": "versicolor"}),
        ContentType="application/json",
        TargetContainerHostname="upper",
    )
    assert json.loads(upper["Body"].read())["species"] == "VERSICOLOR"
    failed = error_of(
        lambda: runtime.invoke_endpoint(
            EndpointName="Direct-Ep", Body=b"{}", ContentType="application/json",
            TargetContainerHostname="upper",
        )
    )  # fmt: skip
    assert failed["Error"]["Message"].startswith("Received client error (400) from upper ")

    missing = error_of(lambda: invoke_json(runtime, "Direct-Ep", SETOSA))
    assert missing["Error"]["Code"] == "ValidationError"
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "TargetContainerHostname" in missing["Error"]["Message"]
    unknown = error_of(
        lambda: invoke_json(runtime, "Direct-Ep", SETOSA, TargetContainerHostname="nope")
    )
    assert unknown["Error"]["Code"] == "ValidationError"
    assert "nope" in unknown["Error"]["Message"]


def test_bad_multi_container_models_are_refused(client: Any) -> None:
    sm, role = client("sagemaker"), execution_role(client)
    image = "localhost:4566/any:latest"
    too_many = error_of(
        lambda: sm.create_model(
            ModelName="Too-Many", Containers=[{"Image": image}] * 16, ExecutionRoleArn=role
        )
    )
    assert too_many["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 15" in too_many["Error"]["Message"]
    some_named = error_of(
        lambda: sm.create_model(
            ModelName="Some-Named",
            Containers=[{"Image": image, "ContainerHostname": "a"}, {"Image": image}],
            ExecutionRoleArn=role,
        )
    )
    assert some_named["Error"]["Code"] == "ValidationException"
    twice = error_of(
        lambda: sm.create_model(
            ModelName="Twice",
            Containers=[
                {"Image": image, "ContainerHostname": "a"},
                {"Image": image, "ContainerHostname": "a"},
            ],
            ExecutionRoleArn=role,
        )
    )
    assert twice["Error"]["Code"] == "ValidationException"
    bad_mode = error_of(
        lambda: sm.create_model(
            ModelName="Bad-Mode",
            Containers=[{"Image": image}, {"Image": image}],
            InferenceExecutionConfig={"Mode": "Sideways"},
            ExecutionRoleArn=role,
        )
    )
    assert bad_mode["Error"]["Code"] == "ValidationException"
    assert "Member must satisfy enum value set" in bad_mode["Error"]["Message"]
    assert sm.list_models()["Models"] == []


@pytest.mark.docker
def test_pipeline_endpoint_serves_again_after_kill_9(
    tmp_path: Path, inference_image: str, postprocess_image: str
) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        pipeline_endpoint(server.client, "pipe-durable", inference_image, postprocess_image)
        pipeline_endpoint(server.client, "pipe-broken", inference_image, postprocess_image)
        durable = sorted(endpoint_containers("pipe-durable"))
        server.kill()
        # One container of the other endpoint's instance dies while no server watches.
        broken = endpoint_containers("pipe-broken")
        subprocess.run(
            ["docker", "rm", "-f", broken[0]], check=True, capture_output=True, timeout=60
        )

        server.start()
        sm, runtime = server.client("sagemaker"), server.client("sagemaker-runtime")
        wait_status(sm, "pipe-durable", "InService")
        assert invoke_json(runtime, "pipe-durable", SETOSA)[0]["species"] == "SETOSA"
        assert sorted(endpoint_containers("pipe-durable")) == durable
        # Its sibling alone cannot serve: the whole instance was started again.
        wait_status(sm, "pipe-broken", "InService")
        assert invoke_json(runtime, "pipe-broken", VIRGINICA)[0]["species"] == "VIRGINICA"
        fresh = endpoint_containers("pipe-broken")
        assert len(fresh) == 2 and not set(fresh) & set(broken)
    finally:
        server.stop()
    assert endpoint_containers("pipe-durable", every_state=True) == []
    assert endpoint_containers("pipe-broken", every_state=True) == []
