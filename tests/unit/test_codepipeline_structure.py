"""Pipeline structure rules of CreatePipeline / UpdatePipeline."""

from __future__ import annotations

from typing import Any

import pytest

from irisops.core.errors import AwsError
from irisops.services.codepipeline.structure import normalized
from tests.codepipeline_declarations import (
    action_type,
    approval,
    codebuild,
    pipeline,
    s3_source,
)


def check(declaration: dict[str, Any]) -> dict[str, Any]:
    return normalized(declaration, 1, "us-east-1")


def rejected(declaration: dict[str, Any]) -> AwsError:
    with pytest.raises(AwsError) as caught:
        check(declaration)
    return caught.value


def test_defaults_are_filled_in() -> None:
    out = check(pipeline("p", [("Source", [s3_source("b", "k")]), ("Approve", [approval()])]))
    assert out["version"] == 1
    assert out["executionMode"] == "SUPERSEDED"
    assert out["pipelineType"] == "V1"
    assert out["stages"][1]["actions"][0]["runOrder"] == 1


def test_one_stage_is_not_a_pipeline() -> None:
    error = rejected(pipeline("p", [("Source", [s3_source("b", "k")])]))
    assert error.code == "InvalidStructureException"
    assert error.message == (
        "Pipeline has only 1 stage(s). There should be a minimum of 2 stages in a pipeline"
    )


def test_first_stage_holds_only_source_actions() -> None:
    error = rejected(pipeline("p", [("Approve", [approval()]), ("Again", [approval("B")])]))
    assert error.code == "InvalidStructureException"
    assert "Approve" in error.message


def test_source_actions_only_in_the_first_stage() -> None:
    error = rejected(
        pipeline(
            "p",
            [
                ("Source", [s3_source("b", "k")]),
                ("Later", [s3_source("b", "k2", output="Other")]),
            ],
        )
    )
    assert error.code == "InvalidStructureException"
    assert "Later" in error.message


def test_stage_names_are_unique() -> None:
    error = rejected(pipeline("p", [("Source", [s3_source("b", "k")]), ("Source", [approval()])]))
    assert error.code == "InvalidStructureException"


def test_action_names_are_unique_within_a_stage() -> None:
    error = rejected(
        pipeline("p", [("Source", [s3_source("b", "k")]), ("Approve", [approval(), approval()])])
    )
    assert error.code == "InvalidStageDeclarationException"


def test_an_input_must_be_produced_before() -> None:
    error = rejected(
        pipeline(
            "p",
            [("Source", [s3_source("b", "k")]), ("Build", [codebuild("proj", ["Nope"], [])])],
        )
    )
    assert error.code == "InvalidActionDeclarationException"
    assert "Nope" in error.message


def test_an_output_of_the_same_run_order_is_not_yet_produced() -> None:
    first = codebuild("proj", ["SourceArtifact"], ["Built"], name="One")
    second = codebuild("proj", ["Built"], [], name="Two")
    stages = [("Source", [s3_source("b", "k")]), ("Build", [first, second])]
    assert rejected(pipeline("p", stages)).code == "InvalidActionDeclarationException"
    second["runOrder"] = 2
    check(pipeline("p", stages))


def test_output_artifact_names_are_unique() -> None:
    error = rejected(
        pipeline(
            "p",
            [
                ("Source", [s3_source("b", "k")]),
                ("Build", [codebuild("proj", ["SourceArtifact"], ["SourceArtifact"])]),
            ],
        )
    )
    assert error.code == "InvalidStructureException"
    assert "SourceArtifact has been used more than once" in error.message


def test_unknown_action_type_is_not_available() -> None:
    odd = {
        "name": "Jenkins",
        "actionTypeId": {**action_type("Build", "Jenkins"), "owner": "Custom"},
    }
    error = rejected(pipeline("p", [("Source", [s3_source("b", "k")]), ("Build", [odd])]))
    assert error.code == "InvalidActionDeclarationException"
    assert error.message == (
        "ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'Custom', Version: '1') "
        "in action 'Jenkins' is not available in region 'US_EAST_1'"
    )


def test_required_and_unknown_configuration() -> None:
    build = codebuild("proj", ["SourceArtifact"], [])
    build["configuration"] = {}
    stages = [("Source", [s3_source("b", "k")]), ("Build", [build])]
    assert "ProjectName" in rejected(pipeline("p", stages)).message
    build["configuration"] = {"ProjectName": "x", "Colour": "blue"}
    error = rejected(pipeline("p", stages))
    assert error.code == "InvalidActionDeclarationException"
    assert "Colour" in error.message


def test_artifact_counts_per_action_type() -> None:
    build = codebuild("proj", [], [])
    error = rejected(pipeline("p", [("Source", [s3_source("b", "k")]), ("Build", [build])]))
    assert error.message == (
        "Action Build declares 0 input artifacts which is less than the minimum count (1)"
    )
    source = s3_source("b", "k")
    source["outputArtifacts"] = []
    assert rejected(pipeline("p", [("Source", [source]), ("A", [approval()])])).code == (
        "InvalidActionDeclarationException"
    )


def test_namespaces_are_unique() -> None:
    stages = [
        ("Source", [s3_source("b", "k", namespace="Vars")]),
        ("Approve", [approval(namespace="Vars")]),
    ]
    assert rejected(pipeline("p", stages)).code == "InvalidActionDeclarationException"


def test_artifact_store_is_required_once() -> None:
    declaration = pipeline("p", [("Source", [s3_source("b", "k")]), ("Approve", [approval()])])
    del declaration["artifactStore"]
    assert rejected(declaration).code == "InvalidStructureException"


def test_queued_mode_needs_a_v2_pipeline() -> None:
    stages = [("Source", [s3_source("b", "k")]), ("Approve", [approval()])]
    assert rejected(pipeline("p", stages, executionMode="QUEUED")).code == (
        "InvalidStructureException"
    )
    check(pipeline("p", stages, executionMode="QUEUED", pipelineType="V2"))
