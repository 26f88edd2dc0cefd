from __future__ import annotations

import botocore.session
import pytest

from irisops.gateway.protocols.validate import validation_errors, validation_message


@pytest.fixture(scope="module")
def session() -> botocore.session.Session:
    return botocore.session.get_session()


def shape(session: botocore.session.Session, service: str, op: str):
    return session.get_service_model(service).operation_model(op).input_shape


def test_valid_input_has_no_errors(session) -> None:
    assert validation_errors(shape(session, "iam", "GetRole"), {"RoleName": "ok-role"}) == []


def test_messages_follow_aws_wording(session) -> None:
    errors = validation_errors(
        shape(session, "sagemaker", "CreateModel"),
        {"ModelName": "bad_name!", "ExecutionRoleArn": "x" * 2},
    )
    assert len(errors) == 3
    message = validation_message(errors)
    assert message.startswith("3 validation errors detected: ")
    assert (
        "Value 'bad_name!' at 'modelName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: " in message
    )
    assert (
        "at 'executionRoleArn' failed to satisfy constraint: Member must have length "
        "greater than or equal to 20" in message
    )


def test_enum_range_and_nested_list_paths(session) -> None:
    errors = validation_errors(
        shape(session, "sagemaker", "CreateEndpointConfig"),
        {
            "EndpointConfigName": "c",
            "ProductionVariants": [
                {
                    "VariantName": "v",
                    "ModelName": "m",
                    "InitialInstanceCount": 0,
                    "InstanceType": "ml.nope",
                }
            ],
        },
    )
    joined = "; ".join(errors)
    assert (
        "at 'productionVariants.1.member.initialInstanceCount' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1" in joined
    )
    assert (
        "at 'productionVariants.1.member.instanceType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [" in joined
    )


def test_missing_required_member(session) -> None:
    errors = validation_errors(shape(session, "logs", "CreateLogGroup"), {})
    assert errors == [
        "Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"
    ]


def test_unicode_property_patterns_compile(session) -> None:
    # SageMaker tag keys use \\p{L}; the `regex` module understands it.
    errors = validation_errors(
        shape(session, "sagemaker", "AddTags"),
        {
            "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m",
            "Tags": [{"Key": "ünïcode key", "Value": "v"}, {"Key": "bad{key}", "Value": "v"}],
        },
    )
    assert len(errors) == 1 and "tags.2.member.key" in errors[0]
