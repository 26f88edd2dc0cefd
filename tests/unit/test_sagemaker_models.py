"""Models and endpoint configs on a real store: create/describe/list/delete, the errors
SageMaker answers (duplicates, missing models), list filters and paging, tags, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.services.sagemaker import SageMakerService
from irisops.services.sagemaker.errors import SageMakerValidation
from tests.unit.running import running_service

CTX = RequestContext(service="sagemaker", operation="x", account="123456789012", region="us-east-1")
IMAGE = "iris-inference:latest"


@pytest.fixture
async def sm(tmp_path: Path) -> AsyncIterator[SageMakerService]:
    async with running_service(SageMakerService, tmp_path) as service:
        yield service


def model(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "ModelName": name,
        "PrimaryContainer": {
            "Image": IMAGE,
            "ModelDataUrl": "s3://b/m/model.tar.gz",
            "Environment": {"A": "1"},
        },
        **extra,
    }


def config(name: str, *models: str) -> dict[str, Any]:
    return {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {"VariantName": f"v{i}", "ModelName": m, "InitialInstanceCount": 1,
             "InstanceType": "ml.m5.large"}
            for i, m in enumerate(models)
        ],
    }  # fmt: skip


async def test_model_lifecycle_and_errors(sm: SageMakerService) -> None:
    out = await sm.create_model(CTX, model("Iris", Tags=[{"Key": "team", "Value": "ml"}]))
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model/iris"
    assert out == {"ModelArn": arn}
    described = await sm.describe_model(CTX, {"ModelName": "Iris"})
    assert described["ModelName"] == "Iris" and described["ModelArn"] == arn
    assert described["PrimaryContainer"]["Environment"] == {"A": "1"}
    assert (await sm.list_tags(CTX, {"ResourceArn": arn}))["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]
    with pytest.raises(SageMakerValidation) as dup:
        await sm.create_model(CTX, model("iris"))
    assert dup.value.message == f'Cannot create already existing model "{arn}".'
    await sm.delete_model(CTX, {"ModelName": "Iris"})
    for call in (sm.describe_model, sm.delete_model):
        with pytest.raises(SageMakerValidation) as missing:
            await call(CTX, {"ModelName": "Iris"})
        assert missing.value.message == f'Could not find model "{arn}".'
    with pytest.raises(SageMakerValidation):
        await sm.list_tags(CTX, {"ResourceArn": arn})


async def test_model_needs_a_container(sm: SageMakerService) -> None:
    with pytest.raises(SageMakerValidation):
        await sm.create_model(CTX, {"ModelName": "empty"})
    with pytest.raises(SageMakerValidation):
        await sm.create_model(
            CTX, {"ModelName": "bad", "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": "x"}}
        )
    assert (await sm.list_models(CTX, {}))["Models"] == []


async def test_list_models_filters_sorts_and_pages(sm: SageMakerService) -> None:
    for name in ("alpha", "beta", "gamma", "alphabet"):
        await sm.create_model(CTX, model(name))
    ascending = await sm.list_models(CTX, {"SortBy": "Name", "SortOrder": "Ascending"})
    names = [m["ModelName"] for m in ascending["Models"]]
    assert names == ["alpha", "alphabet", "beta", "gamma"]
    found = await sm.list_models(CTX, {"NameContains": "ALPHA", "SortBy": "Name"})
    assert [m["ModelName"] for m in found["Models"]] == ["alphabet", "alpha"]
    seen: list[str] = []
    params: dict[str, Any] = {"MaxResults": 3, "SortBy": "Name", "SortOrder": "Ascending"}
    while True:
        page = await sm.list_models(CTX, params)
        seen += [m["ModelName"] for m in page["Models"]]
        if "NextToken" not in page:
            break
        params["NextToken"] = page["NextToken"]
    assert seen == names
    times = [m["CreationTime"] for m in (await sm.list_models(CTX, {}))["Models"]]
    assert times == sorted(times, reverse=True)
    assert (await sm.list_models(CTX, {"CreationTimeAfter": times[0]}))["Models"] == []
    assert (await sm.list_models(CTX, {"CreationTimeBefore": times[-1]}))["Models"] == []


async def test_endpoint_config_needs_existing_models(sm: SageMakerService) -> None:
    with pytest.raises(SageMakerValidation) as missing:
        await sm.create_endpoint_config(CTX, config("cfg", "nope"))
    assert missing.value.message == (
        'Could not find model "arn:aws:sagemaker:us-east-1:123456789012:model/nope".'
    )
    await sm.create_model(CTX, model("m1"))
    await sm.create_model(CTX, model("m2"))
    params = config("Cfg", "m1", "m2")
    params["ProductionVariants"][1]["InitialVariantWeight"] = 3
    out = await sm.create_endpoint_config(CTX, params)
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/cfg"
    assert out == {"EndpointConfigArn": arn}
    described = await sm.describe_endpoint_config(CTX, {"EndpointConfigName": "Cfg"})
    weights = [v["InitialVariantWeight"] for v in described["ProductionVariants"]]
    assert weights == [1.0, 3.0]
    with pytest.raises(SageMakerValidation) as dup:
        await sm.create_endpoint_config(CTX, config("Cfg", "m1"))
    assert dup.value.message == f'Cannot create already existing endpoint configuration "{arn}".'
    listed = await sm.list_endpoint_configs(CTX, {"NameContains": "cf"})
    assert [c["EndpointConfigName"] for c in listed["EndpointConfigs"]] == ["Cfg"]
    await sm.delete_endpoint_config(CTX, {"EndpointConfigName": "Cfg"})
    with pytest.raises(SageMakerValidation) as gone:
        await sm.describe_endpoint_config(CTX, {"EndpointConfigName": "Cfg"})
    assert gone.value.message == f'Could not find endpoint configuration "{arn}".'


async def test_missing_endpoint_errors(sm: SageMakerService) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep"
    for call, params in (
        (sm.describe_endpoint, {"EndpointName": "ep"}),
        (sm.delete_endpoint, {"EndpointName": "ep"}),
        (sm.update_endpoint, {"EndpointName": "ep", "EndpointConfigName": "c"}),
    ):
        with pytest.raises(SageMakerValidation) as missing:
            await call(CTX, params)
        assert missing.value.message == f'Could not find endpoint "{arn}".'
    with pytest.raises(SageMakerValidation) as no_config:
        await sm.create_endpoint(CTX, {"EndpointName": "ep", "EndpointConfigName": "c"})
    assert "Could not find endpoint configuration" in no_config.value.message
    assert (await sm.list_endpoints(CTX, {}))["Endpoints"] == []
