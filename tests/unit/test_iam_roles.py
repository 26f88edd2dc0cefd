"""IAM role handlers on a real store: lifecycle, inline and attached policies,
delete conflicts, tags, pagination, events, account isolation, reset and snapshot."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.services.iam import IamService
from irisops.services.iam.aws_managed import CATALOGUE
from tests.unit.running import running_service

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
S3_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
SAGEMAKER_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


@pytest.fixture
async def iam(tmp_path: Path) -> AsyncIterator[IamService]:
    async with running_service(IamService, tmp_path) as service:
        yield service


def ctx(account: str = "123456789012") -> RequestContext:
    return RequestContext(service="iam", operation="", account=account)


async def create(iam: IamService, name: str = "ml", **extra: Any) -> dict[str, Any]:
    params = {"RoleName": name, "AssumeRolePolicyDocument": TRUST, **extra}
    return (await iam.create_role(ctx(), params))["Role"]


async def error_of(coro: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        await coro
    return caught.value


async def test_create_and_get_role(iam: IamService) -> None:
    role = await create(
        iam,
        "SageMakerExecution",
        Path="/service-role/",
        Description="training",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert role["Arn"] == "arn:aws:iam::123456789012:role/service-role/SageMakerExecution"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert "RoleLastUsed" not in role
    got = (await iam.get_role(ctx(), {"RoleName": "SageMakerExecution"}))["Role"]
    assert got["RoleId"] == role["RoleId"]
    assert got["Description"] == "training"
    assert got["MaxSessionDuration"] == 7200
    assert got["RoleLastUsed"] == {}
    assert json.loads(unquote(got["AssumeRolePolicyDocument"])) == json.loads(TRUST)
    assert got["AssumeRolePolicyDocument"].startswith("%7B")


async def test_defaults(iam: IamService) -> None:
    role = await create(iam)
    assert role["Path"] == "/"
    assert role["MaxSessionDuration"] == 3600
    assert role["Arn"] == "arn:aws:iam::123456789012:role/ml"
    assert "Description" not in role and "Tags" not in role


async def test_duplicate_role_is_entity_already_exists_case_insensitively(
    iam: IamService,
) -> None:
    await create(iam, "Trainer")
    error = await error_of(create(iam, "trainer"))
    assert (error.code, error.status) == ("EntityAlreadyExists", 409)
    assert error.message == "Role with name trainer already exists."


async def test_missing_role_is_no_such_entity(iam: IamService) -> None:
    error = await error_of(iam.get_role(ctx(), {"RoleName": "ghost"}))
    assert (error.code, error.status) == ("NoSuchEntity", 404)
    assert error.message == "The role with name ghost cannot be found."
    for call in (
        iam.delete_role(ctx(), {"RoleName": "ghost"}),
        iam.update_role(ctx(), {"RoleName": "ghost", "Description": "x"}),
        iam.list_role_policies(ctx(), {"RoleName": "ghost"}),
        iam.attach_role_policy(ctx(), {"RoleName": "ghost", "PolicyArn": SAGEMAKER_FULL}),
    ):
        assert (await error_of(call)).code == "NoSuchEntity"


async def test_malformed_trust_policy(iam: IamService) -> None:
    error = await error_of(
        iam.create_role(ctx(), {"RoleName": "bad", "AssumeRolePolicyDocument": "{nope"})
    )
    assert (error.code, error.status) == ("MalformedPolicyDocument", 400)
    assert error.message == "This policy contains invalid Json"
    error = await error_of(
        iam.create_role(ctx(), {"RoleName": "bad", "AssumeRolePolicyDocument": "{}"})
    )
    assert error.message == "Syntax errors in policy."
    assert (await error_of(iam.get_role(ctx(), {"RoleName": "bad"}))).code == "NoSuchEntity"


async def test_update_role_and_trust_policy(iam: IamService) -> None:
    await create(iam)
    assert (
        await iam.update_role(
            ctx(), {"RoleName": "ml", "Description": "new", "MaxSessionDuration": 43200}
        )
        == {}
    )
    described = await iam.update_role_description(ctx(), {"RoleName": "ml", "Description": "newer"})
    assert described["Role"]["Description"] == "newer"
    trust = json.loads(TRUST)
    trust["Statement"][0]["Principal"] = {"Service": "codebuild.amazonaws.com"}
    await iam.update_assume_role_policy(
        ctx(), {"RoleName": "ml", "PolicyDocument": json.dumps(trust)}
    )
    role = (await iam.get_role(ctx(), {"RoleName": "ml"}))["Role"]
    assert role["MaxSessionDuration"] == 43200
    assert json.loads(unquote(role["AssumeRolePolicyDocument"])) == trust
    error = await error_of(
        iam.update_assume_role_policy(ctx(), {"RoleName": "ml", "PolicyDocument": S3_READ})
    )
    assert error.code == "MalformedPolicyDocument"


async def test_inline_policies(iam: IamService) -> None:
    await create(iam)
    await iam.put_role_policy(
        ctx(), {"RoleName": "ml", "PolicyName": "read", "PolicyDocument": S3_READ}
    )
    await iam.put_role_policy(
        ctx(), {"RoleName": "ml", "PolicyName": "also", "PolicyDocument": S3_READ}
    )
    listed = await iam.list_role_policies(ctx(), {"RoleName": "ml"})
    assert listed == {"PolicyNames": ["also", "read"], "IsTruncated": False}
    got = await iam.get_role_policy(ctx(), {"RoleName": "ml", "PolicyName": "read"})
    assert got["RoleName"] == "ml"
    assert json.loads(unquote(got["PolicyDocument"])) == json.loads(S3_READ)
    await iam.delete_role_policy(ctx(), {"RoleName": "ml", "PolicyName": "also"})
    error = await error_of(iam.get_role_policy(ctx(), {"RoleName": "ml", "PolicyName": "also"}))
    assert (error.code, error.message) == (
        "NoSuchEntity",
        "The role policy with name also cannot be found.",
    )
    error = await error_of(
        iam.put_role_policy(ctx(), {"RoleName": "ml", "PolicyName": "bad", "PolicyDocument": TRUST})
    )
    assert error.message == "Policy document should not specify a principal."


async def test_inline_policy_aggregate_size_is_limited(iam: IamService) -> None:
    await create(iam)
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Sid": "x" * 6000}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    await iam.put_role_policy(
        ctx(), {"RoleName": "ml", "PolicyName": "one", "PolicyDocument": document}
    )
    await iam.put_role_policy(
        ctx(), {"RoleName": "ml", "PolicyName": "one", "PolicyDocument": document}
    )
    error = await error_of(
        iam.put_role_policy(
            ctx(), {"RoleName": "ml", "PolicyName": "two", "PolicyDocument": document}
        )
    )
    assert (error.code, error.status) == ("LimitExceeded", 409)


async def test_delete_role_conflicts_until_policies_are_gone(iam: IamService) -> None:
    await create(iam)
    await iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": SAGEMAKER_FULL})
    await iam.put_role_policy(
        ctx(), {"RoleName": "ml", "PolicyName": "read", "PolicyDocument": S3_READ}
    )
    error = await error_of(iam.delete_role(ctx(), {"RoleName": "ml"}))
    assert (error.code, error.status) == ("DeleteConflict", 409)
    assert error.message == "Cannot delete entity, must detach all policies first."
    await iam.detach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": SAGEMAKER_FULL})
    error = await error_of(iam.delete_role(ctx(), {"RoleName": "ml"}))
    assert error.message == "Cannot delete entity, must delete policies first."
    await iam.delete_role_policy(ctx(), {"RoleName": "ml", "PolicyName": "read"})
    await iam.delete_role(ctx(), {"RoleName": "ml"})
    assert (await error_of(iam.get_role(ctx(), {"RoleName": "ml"}))).code == "NoSuchEntity"


async def test_attachments(iam: IamService) -> None:
    await create(iam)
    for arn in (SAGEMAKER_FULL, "arn:aws:iam::aws:policy/AmazonS3FullAccess"):
        await iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": arn})
    await iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": SAGEMAKER_FULL})
    listed = await iam.list_attached_role_policies(ctx(), {"RoleName": "ml"})
    assert listed["AttachedPolicies"] == [
        {"PolicyName": "AmazonSageMakerFullAccess", "PolicyArn": SAGEMAKER_FULL},
        {
            "PolicyName": "AmazonS3FullAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        },
    ]
    missing = "arn:aws:iam::aws:policy/NoSuchPolicy"
    error = await error_of(iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": missing}))
    assert (error.code, error.message) == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
    )
    error = await error_of(
        iam.detach_role_policy(
            ctx(),
            {"RoleName": "ml", "PolicyArn": "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"},
        )
    )
    assert error.code == "NoSuchEntity"
    error = await error_of(
        iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": "not-an-arn-at-all-x"})
    )
    assert (error.code, error.message) == ("InvalidInput", "ARN not-an-arn-at-all-x is not valid.")


async def test_attached_policies_per_role_are_limited(iam: IamService) -> None:
    await create(iam)
    for entry in CATALOGUE[:10]:
        await iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": entry.arn})
    error = await error_of(
        iam.attach_role_policy(ctx(), {"RoleName": "ml", "PolicyArn": CATALOGUE[10].arn})
    )
    assert (error.code, error.message) == (
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    )


async def test_tags(iam: IamService) -> None:
    await create(iam, Tags=[{"Key": "a", "Value": "1"}])
    await iam.tag_role(
        ctx(), {"RoleName": "ml", "Tags": [{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}]}
    )
    listed = await iam.list_role_tags(ctx(), {"RoleName": "ml"})
    assert listed["Tags"] == [{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}]
    await iam.untag_role(ctx(), {"RoleName": "ml", "TagKeys": ["a"]})
    assert (await iam.list_role_tags(ctx(), {"RoleName": "ml"}))["Tags"] == [
        {"Key": "b", "Value": "3"}
    ]
    error = await error_of(
        iam.tag_role(
            ctx(),
            {"RoleName": "ml", "Tags": [{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}]},
        )
    )
    assert error.code == "InvalidInput"
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    error = await error_of(iam.tag_role(ctx(), {"RoleName": "ml", "Tags": many}))
    assert error.code == "LimitExceeded"


async def test_list_roles_paginates_and_filters_by_path(iam: IamService) -> None:
    for i in range(5):
        await create(iam, f"role-{i}", Path="/team/" if i % 2 else "/")
    first = await iam.list_roles(ctx(), {"MaxItems": 2})
    assert [r["RoleName"] for r in first["Roles"]] == ["role-0", "role-1"]
    assert first["IsTruncated"] is True
    assert "Tags" not in first["Roles"][0] and "RoleLastUsed" not in first["Roles"][0]
    names = [r["RoleName"] for r in first["Roles"]]
    marker = first["Marker"]
    while marker:
        page = await iam.list_roles(ctx(), {"MaxItems": 2, "Marker": marker})
        names += [r["RoleName"] for r in page["Roles"]]
        marker = page.get("Marker")
        assert page["IsTruncated"] is bool(marker)
    assert names == [f"role-{i}" for i in range(5)]
    team = await iam.list_roles(ctx(), {"PathPrefix": "/team/"})
    assert [r["RoleName"] for r in team["Roles"]] == ["role-1", "role-3"]
    error = await error_of(iam.list_roles(ctx(), {"Marker": "garbage!"}))
    assert error.code == "InvalidInput"


async def test_accounts_are_isolated(iam: IamService) -> None:
    await create(iam)
    other = ctx("210987654321")
    assert (await iam.list_roles(other, {}))["Roles"] == []
    assert (await error_of(iam.get_role(other, {"RoleName": "ml"}))).code == "NoSuchEntity"
    role = (await iam.create_role(other, {"RoleName": "ml", "AssumeRolePolicyDocument": TRUST}))[
        "Role"
    ]
    assert role["Arn"] == "arn:aws:iam::210987654321:role/ml"


async def test_events_are_published_after_commit(iam: IamService) -> None:
    with iam.bus.subscribe() as sub:
        await create(iam)
        await iam.delete_role(ctx(), {"RoleName": "ml"})
        created, deleted = await sub.get(), await sub.get()
    assert created is not None and deleted is not None
    assert (created.type, created.resource) == (
        "iam.RoleCreated",
        "arn:aws:iam::123456789012:role/ml",
    )
    assert created.service == "iam" and created.account == "123456789012"
    assert deleted.type == "iam.RoleDeleted"


async def test_snapshot_and_reset(iam: IamService) -> None:
    await create(iam, "b")
    await create(iam, "a")
    await iam.create_user(ctx(), {"UserName": "alice"})
    snapshot = iam.snapshot()
    account = snapshot["accounts"]["123456789012"]
    assert account["roles"] == {"count": 2, "names": ["a", "b"]}
    assert account["users"] == {"count": 1, "names": ["alice"]}
    assert account["policies"] == {"count": 0, "names": []}
    await iam.reset()
    assert iam.snapshot() == {"accounts": {}}
    assert (await iam.list_roles(ctx(), {}))["Roles"] == []


async def test_instance_profiles(iam: IamService) -> None:
    await create(iam)
    profile = (await iam.create_instance_profile(ctx(), {"InstanceProfileName": "web"}))[
        "InstanceProfile"
    ]
    assert re.fullmatch(r"AIPA[A-Z0-9]{17}", profile["InstanceProfileId"])
    assert profile["Arn"] == "arn:aws:iam::123456789012:instance-profile/web"
    await iam.add_role_to_instance_profile(ctx(), {"InstanceProfileName": "web", "RoleName": "ml"})
    got = (await iam.get_instance_profile(ctx(), {"InstanceProfileName": "web"}))["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["ml"]
    for_role = await iam.list_instance_profiles_for_role(ctx(), {"RoleName": "ml"})
    assert [p["InstanceProfileName"] for p in for_role["InstanceProfiles"]] == ["web"]
    error = await error_of(iam.delete_role(ctx(), {"RoleName": "ml"}))
    assert error.message == "Cannot delete entity, must remove roles from instance profile first."
    error = await error_of(iam.delete_instance_profile(ctx(), {"InstanceProfileName": "web"}))
    assert error.code == "DeleteConflict"
    await iam.remove_role_from_instance_profile(
        ctx(), {"InstanceProfileName": "web", "RoleName": "ml"}
    )
    await iam.delete_instance_profile(ctx(), {"InstanceProfileName": "web"})
    await iam.delete_role(ctx(), {"RoleName": "ml"})
    assert (await iam.list_instance_profiles(ctx(), {}))["InstanceProfiles"] == []
