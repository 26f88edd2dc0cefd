"""IAM users and access keys through real boto3: lifecycle, errors, and keys that work
as credentials (their calls land in the key's account)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Client = Callable[..., Any]

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_user_lifecycle(client: Client) -> None:
    iam = client("iam")
    user = iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "t", "Value": "v"}])[
        "User"
    ]
    assert user["Arn"] == "arn:aws:iam::123456789012:user/eng/alice"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", user["UserId"])
    assert iam.get_user(UserName="alice")["User"]["UserId"] == user["UserId"]
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as caught:
        iam.create_user(UserName="alice")
    assert error(caught) == ("EntityAlreadyExists", 409, "User with name alice already exists.")
    iam.update_user(UserName="alice", NewUserName="alicia")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alicia"]
    iam.tag_user(UserName="alicia", Tags=[{"Key": "x", "Value": "y"}])
    iam.untag_user(UserName="alicia", TagKeys=["t"])
    assert iam.list_user_tags(UserName="alicia")["Tags"] == [{"Key": "x", "Value": "y"}]
    iam.delete_user(UserName="alicia")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_user(UserName="alicia")
    assert error(caught) == ("NoSuchEntity", 404, "The user with name alicia cannot be found.")


def test_delete_user_with_keys_and_policies_conflicts(client: Client) -> None:
    iam = client("iam")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.put_user_policy(UserName="bob", PolicyName="inline", PolicyDocument=POLICY)
    assert iam.get_user_policy(UserName="bob", PolicyName="inline")["PolicyDocument"] == (
        json.loads(POLICY)
    )
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_user(UserName="bob")
    assert error(caught)[2] == "Cannot delete entity, must delete access keys first."
    iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_user(UserName="bob")
    assert error(caught)[2] == "Cannot delete entity, must detach all policies first."
    iam.detach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    with pytest.raises(iam.exceptions.DeleteConflictException) as caught:
        iam.delete_user(UserName="bob")
    assert error(caught)[2] == "Cannot delete entity, must delete policies first."
    iam.delete_user_policy(UserName="bob", PolicyName="inline")
    iam.delete_user(UserName="bob")


def test_access_keys(client: Client) -> None:
    iam = client("iam")
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert (key["UserName"], key["Status"]) == ("ci", "Active")
    second = iam.create_access_key(UserName="ci")["AccessKey"]
    with pytest.raises(iam.exceptions.LimitExceededException) as caught:
        iam.create_access_key(UserName="ci")
    assert error(caught) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    iam.update_access_key(UserName="ci", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    listed = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]
    }
    assert listed == {key["AccessKeyId"]: "Active", second["AccessKeyId"]: "Inactive"}
    last_used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert last_used["UserName"] == "ci"
    iam.delete_access_key(UserName="ci", AccessKeyId=second["AccessKeyId"])
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.delete_access_key(UserName="ci", AccessKeyId=second["AccessKeyId"])
    assert error(caught)[2] == f"The Access Key with id {second['AccessKeyId']} cannot be found."


def test_user_key_signs_into_its_own_account(client: Client) -> None:
    admin = client("iam", aws_access_key_id="333333333333")
    admin.create_user(UserName="deployer")
    key = admin.create_access_key(UserName="deployer")["AccessKey"]
    as_user = client(
        "iam",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    me = as_user.get_user()["User"]
    assert me["Arn"] == "arn:aws:iam::333333333333:user/deployer"
    as_user.create_role(
        RoleName="made-by-deployer",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    assert [r["RoleName"] for r in admin.list_roles()["Roles"]] == ["made-by-deployer"]
    assert client("iam").list_roles()["Roles"] == []
