"""IAM roles through real boto3 against a real server: every role operation, inline
and attached policies, AWS's error codes/statuses/messages, pagination, and
account isolation by access key."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

Client = Callable[..., Any]

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}
AWS_MANAGED = [
    "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess",
    "arn:aws:iam::aws:policy/AWSCodeBuildAdminAccess",
    "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
]


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def create_role(iam: Any, name: str = "SageMakerRole", **extra: Any) -> dict[str, Any]:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **extra)[
        "Role"
    ]


def test_role_lifecycle(client: Client) -> None:
    iam = client("iam")
    role = create_role(
        iam,
        Path="/service-role/",
        Description="SageMaker execution",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert role["Arn"] == "arn:aws:iam::123456789012:role/service-role/SageMakerRole"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["AssumeRolePolicyDocument"] == TRUST
    got = iam.get_role(RoleName="SageMakerRole")["Role"]
    assert got["RoleId"] == role["RoleId"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    assert (got["Description"], got["MaxSessionDuration"]) == ("SageMaker execution", 7200)
    assert got["Tags"] == [{"Key": "team", "Value": "ml"}]

    iam.update_role(RoleName="SageMakerRole", Description="updated", MaxSessionDuration=3600)
    trust = json.loads(json.dumps(TRUST))
    trust["Statement"][0]["Principal"]["Service"] = "codebuild.amazonaws.com"
    iam.update_assume_role_policy(RoleName="SageMakerRole", PolicyDocument=json.dumps(trust))
    got = iam.get_role(RoleName="SageMakerRole")["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("updated", 3600)
    assert got["AssumeRolePolicyDocument"] == trust

    iam.delete_role(RoleName="SageMakerRole")
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName="SageMakerRole")
    assert error(caught) == (
        "NoSuchEntity",
        404,
        "The role with name SageMakerRole cannot be found.",
    )


def test_duplicate_role(client: Client) -> None:
    iam = client("iam")
    create_role(iam)
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as caught:
        create_role(iam)
    assert error(caught) == (
        "EntityAlreadyExists",
        409,
        "Role with name SageMakerRole already exists.",
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "This policy contains invalid Json"),
        ('{"Version": "2012-10-17"}', "Syntax errors in policy."),
        ("[]", "Syntax errors in policy."),
    ],
)
def test_malformed_trust_policy(client: Client, document: str, message: str) -> None:
    iam = client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as caught:
        iam.create_role(RoleName="bad", AssumeRolePolicyDocument=document)
    assert error(caught) == ("MalformedPolicyDocument", 400, message)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="bad")


def test_server_side_validation_of_role_fields(client: Client) -> None:
    iam = client("iam", config=BotoConfig(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        create_role(iam, MaxSessionDuration=60)
    code, status, message = error(caught)
    assert (code, status) == ("ValidationError", 400)
    assert "maxSessionDuration" in message


def test_inline_role_policies(client: Client) -> None:
    iam = client("iam")
    create_role(iam)
    iam.put_role_policy(
        RoleName="SageMakerRole", PolicyName="s3-read", PolicyDocument=json.dumps(S3_READ)
    )
    got = iam.get_role_policy(RoleName="SageMakerRole", PolicyName="s3-read")
    assert got["PolicyDocument"] == S3_READ
    assert got["RoleName"] == "SageMakerRole"
    assert iam.list_role_policies(RoleName="SageMakerRole")["PolicyNames"] == ["s3-read"]
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as caught:
        iam.put_role_policy(
            RoleName="SageMakerRole", PolicyName="bad", PolicyDocument=json.dumps(TRUST)
        )
    assert error(caught)[2] == "Policy document should not specify a principal."
    iam.delete_role_policy(RoleName="SageMakerRole", PolicyName="s3-read")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_role_policy(RoleName="SageMakerRole", PolicyName="s3-read")
    assert error(caught)[2] == "The role policy with name s3-read cannot be found."


def test_aws_managed_policies_attach_and_block_delete(client: Client) -> None:
    iam = client("iam")
    create_role(iam)
    for arn in AWS_MANAGED:
        iam.attach_role_policy(RoleName="SageMakerRole", PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName="SageMakerRole")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == AWS_MANAGED
    assert attached[0]["PolicyName"] == "AmazonSageMakerFullAccess"
    assert iam.get_policy(PolicyArn=AWS_MANAGED[0])["Policy"]["AttachmentCount"] == 1

    iam.put_role_policy(
        RoleName="SageMakerRole", PolicyName="inline", PolicyDocument=json.dumps(S3_READ)
    )
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_role(RoleName="SageMakerRole")
    assert error(caught) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must detach all policies first.",
    )
    for arn in AWS_MANAGED:
        iam.detach_role_policy(RoleName="SageMakerRole", PolicyArn=arn)
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_role(RoleName="SageMakerRole")
    assert error(caught)[2] == "Cannot delete entity, must delete policies first."
    iam.delete_role_policy(RoleName="SageMakerRole", PolicyName="inline")
    iam.delete_role(RoleName="SageMakerRole")


def test_attach_unknown_policy(client: Client) -> None:
    iam = client("iam")
    create_role(iam)
    arn = "arn:aws:iam::aws:policy/NotARealPolicy"
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.attach_role_policy(RoleName="SageMakerRole", PolicyArn=arn)
    assert error(caught) == (
        "NoSuchEntity",
        404,
        f"Policy {arn} does not exist or is not attachable.",
    )
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.detach_role_policy(RoleName="SageMakerRole", PolicyArn=AWS_MANAGED[0])


def test_role_tags(client: Client) -> None:
    iam = client("iam")
    create_role(iam, Tags=[{"Key": "a", "Value": "1"}])
    iam.tag_role(RoleName="SageMakerRole", Tags=[{"Key": "b", "Value": "2"}])
    tags = iam.list_role_tags(RoleName="SageMakerRole")
    assert tags["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert tags["IsTruncated"] is False
    iam.untag_role(RoleName="SageMakerRole", TagKeys=["a"])
    assert iam.list_role_tags(RoleName="SageMakerRole")["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as caught:
        iam.tag_role(
            RoleName="SageMakerRole",
            Tags=[{"Key": "dup", "Value": "1"}, {"Key": "DUP", "Value": "2"}],
        )
    assert error(caught)[:2] == ("InvalidInput", 400)


def test_list_roles_pagination_and_path_prefix(client: Client) -> None:
    iam = client("iam")
    for i in range(7):
        create_role(iam, f"role-{i:02d}", Path="/pipeline/" if i < 3 else "/")
    first = iam.list_roles(MaxItems=3)
    assert first["IsTruncated"] is True and len(first["Roles"]) == 3
    second = iam.list_roles(MaxItems=3, Marker=first["Marker"])
    assert [r["RoleName"] for r in second["Roles"]] == ["role-03", "role-04", "role-05"]
    paginated = [
        role["RoleName"]
        for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
        for role in page["Roles"]
    ]
    assert paginated == [f"role-{i:02d}" for i in range(7)]
    pipeline = iam.list_roles(PathPrefix="/pipeline/")["Roles"]
    assert [r["RoleName"] for r in pipeline] == ["role-00", "role-01", "role-02"]


def test_accounts_are_isolated_by_access_key(client: Client) -> None:
    alpha = client("iam", aws_access_key_id="111111111111")
    beta = client("iam", aws_access_key_id="222222222222")
    role = create_role(alpha, "shared-name")
    assert role["Arn"] == "arn:aws:iam::111111111111:role/shared-name"
    assert beta.list_roles()["Roles"] == []
    with pytest.raises(beta.exceptions.NoSuchEntityException):
        beta.get_role(RoleName="shared-name")
    other = create_role(beta, "shared-name")
    assert other["Arn"] == "arn:aws:iam::222222222222:role/shared-name"
    assert other["RoleId"] != role["RoleId"]
    assert [r["RoleName"] for r in alpha.list_roles()["Roles"]] == ["shared-name"]
    assert client("iam").list_roles()["Roles"] == []


def test_instance_profiles(client: Client) -> None:
    iam = client("iam")
    create_role(iam)
    profile = iam.create_instance_profile(InstanceProfileName="ml-profile")["InstanceProfile"]
    assert profile["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName="ml-profile", RoleName="SageMakerRole")
    got = iam.get_instance_profile(InstanceProfileName="ml-profile")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["SageMakerRole"]
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_role(RoleName="SageMakerRole")
    assert error(caught)[2] == (
        "Cannot delete entity, must remove roles from instance profile first."
    )
    iam.remove_role_from_instance_profile(
        InstanceProfileName="ml-profile", RoleName="SageMakerRole"
    )
    iam.delete_instance_profile(InstanceProfileName="ml-profile")
    assert iam.list_instance_profiles()["InstanceProfiles"] == []
