"""IAM users and access keys: lifecycle, renames, delete conflicts, key quotas, the
caller-relative forms (no UserName), and the read API the gateway and STS use."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.services.iam import IamService
from tests.unit.running import running_service

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"


@pytest.fixture
async def iam(tmp_path: Path) -> AsyncIterator[IamService]:
    async with running_service(IamService, tmp_path) as service:
        yield service


def ctx(account: str = "123456789012", key: str = "") -> RequestContext:
    return RequestContext(service="iam", operation="", account=account, access_key_id=key)


async def error_of(coro: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        await coro
    return caught.value


async def test_user_lifecycle(iam: IamService) -> None:
    user = (
        await iam.create_user(
            ctx(), {"UserName": "alice", "Path": "/eng/", "Tags": [{"Key": "t", "Value": "1"}]}
        )
    )["User"]
    assert user["Arn"] == "arn:aws:iam::123456789012:user/eng/alice"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", user["UserId"])
    assert (await iam.get_user(ctx(), {"UserName": "alice"}))["User"]["UserId"] == user["UserId"]
    error = await error_of(iam.create_user(ctx(), {"UserName": "ALICE"}))
    assert (error.code, error.message) == (
        "EntityAlreadyExists",
        "User with name ALICE already exists.",
    )
    error = await error_of(iam.get_user(ctx(), {"UserName": "bob"}))
    assert (error.code, error.status, error.message) == (
        "NoSuchEntity",
        404,
        "The user with name bob cannot be found.",
    )
    listed = await iam.list_users(ctx(), {"PathPrefix": "/eng/"})
    assert [u["UserName"] for u in listed["Users"]] == ["alice"]
    assert "Tags" not in listed["Users"][0]
    await iam.tag_user(ctx(), {"UserName": "alice", "Tags": [{"Key": "u", "Value": "2"}]})
    await iam.untag_user(ctx(), {"UserName": "alice", "TagKeys": ["t"]})
    assert (await iam.list_user_tags(ctx(), {"UserName": "alice"}))["Tags"] == [
        {"Key": "u", "Value": "2"}
    ]
    await iam.delete_user(ctx(), {"UserName": "alice"})
    assert (await iam.list_users(ctx(), {}))["Users"] == []


async def test_rename_carries_keys_and_policies(iam: IamService) -> None:
    await iam.create_user(ctx(), {"UserName": "alice"})
    key = (await iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    await iam.attach_user_policy(ctx(), {"UserName": "alice", "PolicyArn": S3_FULL})
    await iam.put_user_policy(
        ctx(), {"UserName": "alice", "PolicyName": "p", "PolicyDocument": POLICY}
    )
    await iam.update_user(ctx(), {"UserName": "alice", "NewUserName": "alicia", "NewPath": "/x/"})
    user = (await iam.get_user(ctx(), {"UserName": "alicia"}))["User"]
    assert user["Arn"] == "arn:aws:iam::123456789012:user/x/alicia"
    keys = (await iam.list_access_keys(ctx(), {"UserName": "alicia"}))["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key["AccessKeyId"]]
    attached = await iam.list_attached_user_policies(ctx(), {"UserName": "alicia"})
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [S3_FULL]
    assert (await iam.list_user_policies(ctx(), {"UserName": "alicia"}))["PolicyNames"] == ["p"]
    assert (await error_of(iam.get_user(ctx(), {"UserName": "alice"}))).code == "NoSuchEntity"
    await iam.create_user(ctx(), {"UserName": "bob"})
    error = await error_of(iam.update_user(ctx(), {"UserName": "bob", "NewUserName": "Alicia"}))
    assert error.code == "EntityAlreadyExists"


async def test_delete_user_conflicts(iam: IamService) -> None:
    await iam.create_user(ctx(), {"UserName": "alice"})
    key = (await iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    await iam.attach_user_policy(ctx(), {"UserName": "alice", "PolicyArn": S3_FULL})
    await iam.put_user_policy(
        ctx(), {"UserName": "alice", "PolicyName": "p", "PolicyDocument": POLICY}
    )
    expected = (
        "Cannot delete entity, must delete access keys first.",
        "Cannot delete entity, must detach all policies first.",
        "Cannot delete entity, must delete policies first.",
    )
    cleanups = (
        iam.delete_access_key(ctx(), {"UserName": "alice", "AccessKeyId": key["AccessKeyId"]}),
        iam.detach_user_policy(ctx(), {"UserName": "alice", "PolicyArn": S3_FULL}),
        iam.delete_user_policy(ctx(), {"UserName": "alice", "PolicyName": "p"}),
    )
    for message, cleanup in zip(expected, cleanups, strict=True):
        error = await error_of(iam.delete_user(ctx(), {"UserName": "alice"}))
        assert (error.code, error.status, error.message) == ("DeleteConflict", 409, message)
        await cleanup
    await iam.delete_user(ctx(), {"UserName": "alice"})


async def test_access_keys(iam: IamService) -> None:
    await iam.create_user(ctx(), {"UserName": "alice"})
    key = (await iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert (key["UserName"], key["Status"]) == ("alice", "Active")
    await iam.create_access_key(ctx(), {"UserName": "alice"})
    error = await error_of(iam.create_access_key(ctx(), {"UserName": "alice"}))
    assert (error.code, error.message) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    await iam.update_access_key(
        ctx(), {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Inactive"}
    )
    listed = (await iam.list_access_keys(ctx(), {"UserName": "alice"}))["AccessKeyMetadata"]
    assert {k["AccessKeyId"]: k["Status"] for k in listed}[key["AccessKeyId"]] == "Inactive"
    assert "SecretAccessKey" not in listed[0]
    last_used = await iam.get_access_key_last_used(ctx(), {"AccessKeyId": key["AccessKeyId"]})
    assert last_used["UserName"] == "alice"
    assert last_used["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    error = await error_of(
        iam.delete_access_key(ctx(), {"UserName": "alice", "AccessKeyId": "AKIAAAAAAAAAAAAAAAAA"})
    )
    assert (error.code, error.message) == (
        "NoSuchEntity",
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
    )


async def test_caller_relative_forms(iam: IamService) -> None:
    await iam.create_user(ctx(), {"UserName": "alice"})
    key = (await iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    as_alice = ctx(key=key["AccessKeyId"])
    assert (await iam.get_user(as_alice, {}))["User"]["UserName"] == "alice"
    second = (await iam.create_access_key(as_alice, {}))["AccessKey"]
    assert second["UserName"] == "alice"
    root = (await iam.get_user(ctx(key="test"), {}))["User"]
    assert root["Arn"] == "arn:aws:iam::123456789012:root"
    assert root["UserId"] == "123456789012"
    root_key = (await iam.create_access_key(ctx(key="test"), {}))["AccessKey"]
    assert "UserName" not in root_key
    assert [
        k["AccessKeyId"] for k in (await iam.list_access_keys(ctx(), {}))["AccessKeyMetadata"]
    ] == [root_key["AccessKeyId"]]


async def test_read_api_and_account_resolver(iam: IamService) -> None:
    other = ctx("210987654321")
    await iam.create_user(other, {"UserName": "carol"})
    key = (await iam.create_access_key(other, {"UserName": "carol"}))["AccessKey"]
    assert iam.runtime.resolve_account(key["AccessKeyId"]) == "210987654321"
    assert iam.runtime.resolve_account("AKIANOTAKEYATALL0000") is None
    owner = iam.key_owner(key["AccessKeyId"])
    assert owner is not None
    assert owner.arn == "arn:aws:iam::210987654321:user/carol"
    assert owner.user_id.startswith("AIDA") and owner.active
    role = (
        await iam.create_role(
            other,
            {
                "RoleName": "r",
                "Path": "/p/",
                "MaxSessionDuration": 7200,
                "AssumeRolePolicyDocument": json.dumps(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "*"},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    }
                ),
            },
        )
    )["Role"]
    found = iam.role_by_arn(role["Arn"])
    assert found is not None and found.max_session_duration == 7200
    assert iam.role_by_arn("arn:aws:iam::210987654321:role/r") == found
    assert iam.role_by_arn("arn:aws:iam::210987654321:role/q/r") is None
    assert iam.role_by_arn("arn:aws:iam::123456789012:role/p/r") is None
    assert iam.role_by_arn("arn:aws:s3:::bucket") is None
    await iam.stop()
    assert iam.runtime.resolve_account(key["AccessKeyId"]) is None
