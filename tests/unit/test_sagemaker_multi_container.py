"""Multi-container models without Docker: which containers a model runs and how they
are named, which container a direct invocation picks, which port each one is told."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from irisops.engines.sagemaker.endpoint_routing import TargetContainerError, choose_container
from irisops.engines.sagemaker.serving_ports import accepts_bind_to_port, serving_port
from irisops.services.sagemaker.errors import SageMakerValidation
from irisops.services.sagemaker.models import check_pipeline, model_pipeline


@dataclass
class Part:
    hostname: str | None


def test_model_pipeline_names_the_containers_and_says_the_mode() -> None:
    primary = {"Image": "a", "ContainerHostname": "ignored"}
    assert model_pipeline({"PrimaryContainer": primary}) == ([primary], None)
    one = {"Image": "a"}
    assert model_pipeline({"Containers": [one]}) == ([one], None)
    named, mode = model_pipeline({"Containers": [{"Image": "a"}, {"Image": "b"}]})
    assert mode == "Serial"
    assert [c["ContainerHostname"] for c in named] == ["container-1", "container-2"]
    direct = {
        "Containers": [
            {"Image": "a", "ContainerHostname": "x"},
            {"Image": "b", "ContainerHostname": "y"},
        ],
        "InferenceExecutionConfig": {"Mode": "Direct"},
    }
    named, mode = model_pipeline(direct)
    assert mode == "Direct" and [c["ContainerHostname"] for c in named] == ["x", "y"]


def test_check_pipeline_refuses_partial_or_repeated_hostnames() -> None:
    check_pipeline({"Containers": [{"Image": "a"}, {"Image": "b"}]})
    check_pipeline({"Containers": [{"Image": "a", "ContainerHostname": "x"}]})
    for containers in (
        [{"Image": "a", "ContainerHostname": "x"}, {"Image": "b"}],
        [{"Image": "a", "ContainerHostname": "x"}, {"Image": "b", "ContainerHostname": "X"}],
    ):
        with pytest.raises(SageMakerValidation):
            check_pipeline({"Containers": containers})
    with pytest.raises(SageMakerValidation):
        check_pipeline({"PrimaryContainer": {"Image": "a"}, "Containers": [{"Image": "b"}]})


def test_choose_container_for_direct_and_serial() -> None:
    parts = [Part("iris"), Part("upper")]
    assert choose_container(parts, "Direct", "upper") is parts[1]
    assert choose_container(parts, "Serial", None) is parts[0]
    assert choose_container([Part(None)], None, None).hostname is None
    cases = [
        ("Direct", None, "missing"),
        ("Direct", "nope", "unknown"),
        ("Serial", "iris", "not-direct"),
        (None, "x", "not-direct"),
    ]
    for mode, target, kind in cases:
        with pytest.raises(TargetContainerError) as caught:
            choose_container(parts, mode, target)
        assert caught.value.kind == kind


def test_serving_port_binds_only_pipeline_images_that_accept_it() -> None:
    label = {
        "Config": {"Labels": {"com.amazonaws.sagemaker.capabilities.accept-bind-to-port": "true"}}
    }
    assert accepts_bind_to_port(label) and not accepts_bind_to_port({"Config": {"Labels": None}})
    assert serving_port(None, True) == ("8080/tcp", {})
    assert serving_port(1, False) == ("8080/tcp", {})
    assert serving_port(0, True) == (
        "8080/tcp",
        {"SAGEMAKER_BIND_TO_PORT": "8080", "SAGEMAKER_SAFE_PORT_RANGE": "9000-9099"},
    )
    port, env = serving_port(2, True)
    assert port == "8082/tcp" and env["SAGEMAKER_SAFE_PORT_RANGE"] == "9200-9299"
