"""The SDK's pure parts, without a server: which events name a resource, the filter's
query, what wait_for makes of an ARN or a name, the build log cut at its failure, the
error code of a botocore error, the demo's pipeline progress."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from irisops.scenario.iris import pipeline_fraction, species_samples
from irisops.sdk.errors import IrisopsError, aws_error_code
from irisops.sdk.events import Event, EventFilter, names_resource
from irisops.sdk.log_tail import up_to_first_failure
from irisops.sdk.waiters import split_target
from tests.sdk.readme import REPO


def event(resource: str, **detail: str) -> Event:
    return Event(1, "", "t", "sagemaker", "123456789012", "us-east-1", resource, detail)


def test_names_resource_by_arn_lowercased_name_or_detail() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/iris-ep"
    assert names_resource(event(arn), arn)
    assert names_resource(event(arn), "Iris-EP")  # SageMaker ARNs hold the name lowercased
    assert not names_resource(event(arn), "iris")
    assert not names_resource(event(arn), arn + "2")
    build = "arn:aws:codebuild:us-east-1:123456789012:build/proj:1234"
    assert names_resource(event(build, buildId="proj:1234"), "proj:1234")


def test_event_filter_query_and_matching() -> None:
    assert EventFilter().query() == {}
    assert EventFilter(service=["s3", "logs"], type="s3.").query() == {
        "service": "s3,logs",
        "type": "s3.",
    }
    only_big = EventFilter(where=lambda e: e.detail.get("size") == "big")
    assert only_big.matches(event("x", size="big")) and not only_big.matches(event("x"))


def test_split_target() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/iris-train"
    assert split_target(arn) == ("training-job", "iris-train")
    assert split_target("proj:0f1e") == ("build", "proj:0f1e")
    assert split_target("iris-endpoint") == (None, "iris-endpoint")
    with pytest.raises(IrisopsError, match="does not know"):
        split_target("arn:aws:s3:::bucket")


def test_build_log_cut_at_its_first_failed_phase() -> None:
    lines = [f"line {n}" for n in range(30)]
    lines[24] = "[Container] Phase complete: BUILD State: FAILED"
    assert up_to_first_failure(lines, 3) == ["line 22", "line 23", lines[24]]
    assert up_to_first_failure(lines[:10], 3) == ["line 7", "line 8", "line 9"]


def test_aws_error_code() -> None:
    error = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "x"}}, "GetRole")
    assert aws_error_code(error) == "NoSuchEntity"
    assert aws_error_code(ValueError("x")) == ""


def test_pipeline_progress_grows_with_the_build_phases() -> None:
    messages = [
        "stage Source InProgress",
        "stage Source Succeeded",
        "build PROVISIONING (IN_PROGRESS)",
        "build BUILD (IN_PROGRESS)",
        "build POST_BUILD (IN_PROGRESS)",
        "build COMPLETED (SUCCEEDED)",
    ]
    fractions = [pipeline_fraction(m) for m in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert pipeline_fraction("stage Build Succeeded") == 1.0


def test_species_samples_are_typical_flowers() -> None:
    samples = species_samples(REPO / "demo" / "iris.csv")
    assert [species for _, species in samples] == ["setosa", "versicolor", "virginica"]
    assert all(len(features) == 4 for features, _ in samples)
