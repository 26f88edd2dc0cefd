"""How invocations are spread: by variant weight, to a named TargetVariant, and in
turn across a variant's instances; the Runtime's error shapes."""

from __future__ import annotations

from collections import Counter
from itertools import cycle

import pytest

from irisops.engines.sagemaker.endpoint_routing import Fleet, NoCapacity, NoSuchVariant, VariantPool
from irisops.services.sagemaker_runtime.errors import endpoint_not_found, model_error


def test_weights_split_traffic() -> None:
    draws = cycle(i / 100 for i in range(100))
    fleet = Fleet(
        [VariantPool("a", 1.0, ["a1"]), VariantPool("b", 3.0, ["b1"])],
        rand=lambda: next(draws),
    )
    counts = Counter(fleet.choose()[0].name for _ in range(400))
    assert counts == {"a": 100, "b": 300}


def test_round_robin_and_target_variant() -> None:
    fleet = Fleet([VariantPool("a", 1.0, ["a1", "a2"]), VariantPool("b", 0.0, ["b1"])])
    assert [fleet.choose()[1] for _ in range(4)] == ["a1", "a2", "a1", "a2"]
    variant, member = fleet.choose("b")
    assert (variant.name, member) == ("b", "b1")
    with pytest.raises(NoSuchVariant):
        fleet.choose("c")


def test_zero_weight_or_no_instances_means_no_capacity() -> None:
    fleet = Fleet([VariantPool("a", 0.0, ["a1"]), VariantPool("b", 1.0, [])])
    with pytest.raises(NoCapacity):
        fleet.choose()
    fleet.set_members("b", ["b1"])
    assert fleet.choose()[1] == "b1"
    fleet.set_weight("b", 0.0)
    fleet.set_weight("a", 2.0)
    assert fleet.choose()[1] == "a1"


def test_runtime_error_shapes() -> None:
    missing = endpoint_not_found("ep", "123456789012")
    assert (missing.code, missing.status) == ("ValidationError", 400)
    assert missing.message == "Endpoint ep of account 123456789012 not found."
    err = model_error("us-east-1", "123456789012", "ep", 400, '{"error": "bad"}')
    assert (err.code, err.status) == ("ModelError", 424)
    assert err.message.startswith(
        'Received client error (400) from primary with message "{"error": "bad"}". See https://'
    )
    assert err.fields == {
        "OriginalStatusCode": 400,
        "OriginalMessage": '{"error": "bad"}',
        "LogStreamArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/ep",
    }
    assert "server error (500)" in model_error("r", "a", "ep", 500, "x").message
