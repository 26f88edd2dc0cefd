"""IAM managed policies through real boto3: customer policies and their versions, the
AWS managed catalogue, ListPolicies filters and pagination, delete conflicts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Client = Callable[..., Any]

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codebuild.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def document(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_customer_policy_and_versions(client: Client) -> None:
    iam = client("iam")
    policy = iam.create_policy(
        PolicyName="pipeline-artifacts",
        Path="/ml/",
        PolicyDocument=json.dumps(document("s3:GetObject")),
        Description="artifacts",
    )["Policy"]
    arn = policy["Arn"]
    assert arn == "arn:aws:iam::123456789012:policy/ml/pipeline-artifacts"
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", policy["PolicyId"])
    assert policy["DefaultVersionId"] == "v1"
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (got["Description"], got["AttachmentCount"]) == ("artifacts", 0)
    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == document("s3:GetObject")
    assert v1["IsDefaultVersion"] is True

    v2 = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(document("s3:*")), SetAsDefault=True
    )["PolicyVersion"]
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", True)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
        ("v2", True),
        ("v1", False),
    ]
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert error(caught) == (
        "DeleteConflict",
        409,
        "Cannot delete the default version of a policy.",
    )
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document("s3:*")))
    with pytest.raises(iam.exceptions.LimitExceededException) as caught:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document("s3:*")))
    assert error(caught)[:2] == ("LimitExceeded", 409)


def test_policy_errors(client: Client) -> None:
    iam = client("iam")
    iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(document("s3:*")))
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as caught:
        iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(document("s3:*")))
    assert error(caught) == (
        "EntityAlreadyExists",
        409,
        "A policy called p already exists. Duplicate names are not allowed.",
    )
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as caught:
        iam.create_policy(PolicyName="q", PolicyDocument='{"Statement": ')
    assert error(caught) == ("MalformedPolicyDocument", 400, "This policy contains invalid Json")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as caught:
        iam.create_policy(
            PolicyName="q", PolicyDocument=json.dumps({"Statement": [{"Effect": "Allow"}]})
        )
    assert error(caught)[2] == "Policy statement must contain actions."
    missing = "arn:aws:iam::123456789012:policy/nope"
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_policy(PolicyArn=missing)
    assert error(caught) == ("NoSuchEntity", 404, f"Policy {missing} was not found.")


def test_delete_attached_policy_conflicts(client: Client) -> None:
    iam = client("iam")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(document("s3:*")))["Policy"][
        "Arn"
    ]
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="ci")
    iam.attach_role_policy(RoleName="builder", PolicyArn=arn)
    iam.attach_user_policy(UserName="ci", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    assert iam.list_attached_user_policies(UserName="ci")["AttachedPolicies"] == [
        {"PolicyName": "p", "PolicyArn": arn}
    ]
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_policy(PolicyArn=arn)
    assert error(caught) == (
        "DeleteConflict",
        409,
        "Cannot delete a policy attached to entities.",
    )
    iam.detach_role_policy(RoleName="builder", PolicyArn=arn)
    iam.detach_user_policy(UserName="ci", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=arn)


def test_list_policies_filters(client: Client) -> None:
    iam = client("iam")
    iam.create_policy(
        PolicyName="local-ml", Path="/ml/", PolicyDocument=json.dumps(document("s3:*"))
    )
    iam.create_policy(PolicyName="local-root", PolicyDocument=json.dumps(document("s3:*")))
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["local-ml", "local-root"]
    aws_names = {
        p["PolicyName"]
        for page in iam.get_paginator("list_policies").paginate(
            Scope="AWS", PaginationConfig={"PageSize": 5}
        )
        for p in page["Policies"]
    }
    assert {
        "AmazonSageMakerFullAccess",
        "AmazonS3FullAccess",
        "AmazonEC2ContainerRegistryFullAccess",
        "AWSCodeBuildAdminAccess",
        "CloudWatchLogsFullAccess",
    } <= aws_names
    assert not aws_names & {"local-ml", "local-root"}
    assert [p["PolicyName"] for p in iam.list_policies(PathPrefix="/ml/")["Policies"]] == [
        "local-ml"
    ]
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(
        RoleName="builder", PolicyArn="arn:aws:iam::aws:policy/AWSCodeBuildAdminAccess"
    )
    attached = iam.list_policies(OnlyAttached=True)["Policies"]
    assert [(p["PolicyName"], p["AttachmentCount"]) for p in attached] == [
        ("AWSCodeBuildAdminAccess", 1)
    ]


def test_aws_managed_policy_document(client: Client) -> None:
    iam = client("iam")
    arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    statements = version["PolicyVersion"]["Document"]["Statement"]
    assert any("sagemaker:*" in s["Action"] for s in statements)


def test_policy_tags(client: Client) -> None:
    iam = client("iam")
    arn = iam.create_policy(
        PolicyName="p",
        PolicyDocument=json.dumps(document("s3:*")),
        Tags=[{"Key": "a", "Value": "1"}],
    )["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    assert len(iam.list_policy_tags(PolicyArn=arn)["Tags"]) == 2
    iam.untag_policy(PolicyArn=arn, TagKeys=["a", "b"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []
