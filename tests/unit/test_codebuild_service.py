"""CodeBuildService handlers on a real store: projects, their errors, build lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.services.codebuild import CodeBuildService
from tests.unit.running import running_service

ACCOUNT, REGION = "123456789012", "us-east-1"
ENV = {"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL"}
ROLE = "arn:aws:iam::123456789012:role/build"


@pytest.fixture
async def codebuild(tmp_path: Path) -> AsyncIterator[CodeBuildService]:
    async with running_service(CodeBuildService, tmp_path) as service:
        yield service


async def call(cb: CodeBuildService, operation: str, **params: Any) -> dict[str, Any]:
    handler = cb.handler(operation)
    assert handler is not None, operation
    ctx = RequestContext(service="codebuild", operation=operation, account=ACCOUNT, region=REGION)
    return await handler(ctx, params)


async def fails(cb: CodeBuildService, operation: str, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        await call(cb, operation, **params)
    assert info.value.status == 400
    return info.value


def project(name: str, **extra: Any) -> dict[str, Any]:
    params = {
        "name": name,
        "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2\n"},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": dict(ENV),
        "serviceRole": ROLE,
    }
    params.update(extra)
    return params


async def test_create_fills_defaults_and_refuses_duplicates(codebuild: CodeBuildService) -> None:
    out = await call(codebuild, "CreateProject", **project("p1"))
    doc = out["project"]
    assert doc["arn"] == f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/p1"
    assert doc["timeoutInMinutes"] == 60
    assert doc["environment"]["privilegedMode"] is False
    assert doc["environment"]["environmentVariables"] == []
    err = await fails(codebuild, "CreateProject", **project("p1"))
    assert err.code == "ResourceAlreadyExistsException"
    assert err.message == f"Project already exists: {doc['arn']}"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"source": {"type": "NO_SOURCE"}}, "buildspec cannot be empty"),
        ({"source": {"type": "S3"}}, "location is required"),
        ({"artifacts": {"type": "S3"}}, "artifacts location is required"),
        ({"source": {"type": "CODEPIPELINE"}}, "CODEPIPELINE"),
    ],
)
async def test_business_rules(codebuild: CodeBuildService, extra: dict, reason: str) -> None:
    err = await fails(codebuild, "CreateProject", **project("bad", **extra))
    assert err.code == "InvalidInputException"
    assert reason in err.message
    out = await call(codebuild, "BatchGetProjects", names=["bad"])
    assert out == {"projects": [], "projectsNotFound": ["bad"]}


async def test_update_list_delete(codebuild: CodeBuildService) -> None:
    for name in ("b", "a", "c"):
        await call(codebuild, "CreateProject", **project(name))
    out = await call(codebuild, "UpdateProject", name="a", description="new", timeoutInMinutes=9)
    assert out["project"]["description"] == "new"
    assert out["project"]["timeoutInMinutes"] == 9
    assert (await call(codebuild, "ListProjects"))["projects"] == ["a", "b", "c"]
    listed = await call(codebuild, "ListProjects", sortBy="NAME", sortOrder="DESCENDING")
    assert listed["projects"] == ["c", "b", "a"]
    err = await fails(codebuild, "UpdateProject", name="zz", description="x")
    assert err.code == "ResourceNotFoundException"
    await call(codebuild, "DeleteProject", name="b")
    await call(codebuild, "DeleteProject", name="b")
    got = await call(codebuild, "BatchGetProjects", names=["a", "b"])
    assert [p["name"] for p in got["projects"]] == ["a"]
    assert got["projectsNotFound"] == ["b"]


async def test_build_errors(codebuild: CodeBuildService) -> None:
    err = await fails(codebuild, "StartBuild", projectName="nope")
    assert err.code == "ResourceNotFoundException"
    assert (
        err.message == f"Project cannot be found: arn:aws:codebuild:{REGION}:{ACCOUNT}:project/nope"
    )
    err = await fails(codebuild, "StopBuild", id="not-a-build-id")
    assert (err.code, err.message) == ("InvalidInputException", "Invalid build ID provided")
    err = await fails(codebuild, "StopBuild", id="p:00000000-0000-0000-0000-000000000000")
    assert err.code == "ResourceNotFoundException"
    err = await fails(codebuild, "ListBuildsForProject", projectName="nope")
    assert err.code == "ResourceNotFoundException"
    out = await call(codebuild, "BatchGetBuilds", ids=["p:missing"])
    assert out == {"builds": [], "buildsNotFound": ["p:missing"]}
    err = await fails(codebuild, "ListBuilds", nextToken="garbage!")
    assert err.code == "InvalidInputException"
    with pytest.raises(AwsError) as info:
        await codebuild.start_pipeline_build(
            ACCOUNT,
            REGION,
            "nope",
            pipeline_name="pl",
            input_artifacts=[("b", "k")],
            output_artifact=None,
        )
    assert info.value.code == "ResourceNotFoundException"
