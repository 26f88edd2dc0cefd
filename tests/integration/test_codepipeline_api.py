"""CodePipeline pipelines through boto3: create, get, update, list, delete, tags, and
the errors each answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.codepipeline_declarations import approval, approval_pipeline, pipeline, s3_source


def error_of(call: Callable[[], Any]) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response["Error"])


def test_create_get_update_list_delete(client: Callable[..., Any]) -> None:
    cp = client("codepipeline")
    client("s3").create_bucket(Bucket="src")
    created = cp.create_pipeline(
        pipeline=approval_pipeline("app", "src", "app.zip"),
        tags=[{"key": "team", "value": "ml"}],
    )
    assert created["pipeline"]["version"] == 1
    assert created["pipeline"]["stages"][1]["actions"][0]["runOrder"] == 1
    assert created["tags"] == [{"key": "team", "value": "ml"}]

    got = cp.get_pipeline(name="app")
    assert got["pipeline"] == created["pipeline"]
    arn = got["metadata"]["pipelineArn"]
    assert arn == "arn:aws:codepipeline:us-east-1:123456789012:app"

    changed = approval_pipeline("app", "src", "other.zip")
    changed["stages"][1]["actions"].append(approval("Second", runOrder=2))
    updated = cp.update_pipeline(pipeline=changed)["pipeline"]
    assert updated["version"] == 2
    assert cp.get_pipeline(name="app")["pipeline"]["version"] == 2
    first = cp.get_pipeline(name="app", version=1)["pipeline"]
    assert first["stages"][0]["actions"][0]["configuration"]["S3ObjectKey"] == "app.zip"
    assert error_of(lambda: cp.get_pipeline(name="app", version=7))["Code"] == (
        "PipelineVersionNotFoundException"
    )

    cp.create_pipeline(pipeline=approval_pipeline("another", "src", "x.zip"))
    listed = cp.list_pipelines()["pipelines"]
    assert [(p["name"], p["version"]) for p in listed] == [("another", 1), ("app", 2)]
    page = cp.list_pipelines(maxResults=1)
    assert [p["name"] for p in page["pipelines"]] == ["another"]
    rest = cp.list_pipelines(maxResults=1, nextToken=page["nextToken"])
    assert [p["name"] for p in rest["pipelines"]] == ["app"] and "nextToken" not in rest

    cp.tag_resource(resourceArn=arn, tags=[{"key": "stage", "value": "dev"}])
    cp.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert cp.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "stage", "value": "dev"}]

    cp.delete_pipeline(name="app")
    cp.delete_pipeline(name="app")  # deleting a missing pipeline succeeds
    assert [p["name"] for p in cp.list_pipelines()["pipelines"]] == ["another"]
    missing = error_of(lambda: cp.get_pipeline(name="app"))
    assert missing == {
        "Code": "PipelineNotFoundException",
        "Message": "Account '123456789012' does not have a pipeline with name 'app'",
    }


def test_errors(client: Callable[..., Any]) -> None:
    cp = client("codepipeline")
    cp.create_pipeline(pipeline=approval_pipeline("app", "src", "app.zip"))
    assert (
        error_of(lambda: cp.create_pipeline(pipeline=approval_pipeline("app", "s", "k")))["Code"]
        == "PipelineNameInUseException"
    )

    one_stage = pipeline("solo", [("Source", [s3_source("b", "k")])])
    error = error_of(lambda: cp.create_pipeline(pipeline=one_stage))
    assert error["Code"] == "InvalidStructureException"
    assert "minimum of 2 stages" in error["Message"]

    odd = {
        "name": "Deploy",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "Nope", "version": "1"},
    }
    unknown = pipeline("odd", [("Source", [s3_source("b", "k")]), ("Deploy", [odd])])
    assert error_of(lambda: cp.create_pipeline(pipeline=unknown))["Code"] == (
        "InvalidActionDeclarationException"
    )
    bad_update = pipeline("app", [("Only", [s3_source("b", "k")])])
    assert error_of(lambda: cp.update_pipeline(pipeline=bad_update))["Code"] == (
        "InvalidStructureException"
    )
    assert cp.get_pipeline(name="app")["pipeline"]["version"] == 1
    # The model's own constraints come first.
    invalid_name = approval_pipeline("bad name!", "b", "k")
    assert error_of(lambda: cp.create_pipeline(pipeline=invalid_name))["Code"] == (
        "ValidationException"
    )
    assert [p["name"] for p in cp.list_pipelines()["pipelines"]] == ["app"]
    assert error_of(lambda: cp.start_pipeline_execution(name="ghost"))["Code"] == (
        "PipelineNotFoundException"
    )
    assert (
        error_of(
            lambda: cp.get_pipeline_execution(
                pipelineName="app", pipelineExecutionId="00000000-0000-0000-0000-000000000000"
            )
        )["Code"]
        == "PipelineExecutionNotFoundException"
    )
    assert error_of(lambda: cp.list_pipelines(nextToken="garbage"))["Code"] == (
        "InvalidNextTokenException"
    )
