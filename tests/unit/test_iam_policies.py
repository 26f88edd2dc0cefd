"""IAM managed policy handlers: customer and AWS managed policies, versions, listing
with Scope/OnlyAttached/PathPrefix, attachment counts and delete conflicts."""

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
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def document(action: str = "s3:GetObject") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
    )


@pytest.fixture
async def iam(tmp_path: Path) -> AsyncIterator[IamService]:
    async with running_service(IamService, tmp_path) as service:
        yield service


def ctx(account: str = "123456789012") -> RequestContext:
    return RequestContext(service="iam", operation="", account=account)


async def error_of(coro: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        await coro
    return caught.value


async def create_policy(iam: IamService, name: str = "read", **extra: Any) -> dict[str, Any]:
    params = {"PolicyName": name, "PolicyDocument": document(), **extra}
    return (await iam.create_policy(ctx(), params))["Policy"]


async def test_create_and_get_policy(iam: IamService) -> None:
    policy = await create_policy(
        iam, Path="/ml/", Description="reads", Tags=[{"Key": "k", "Value": "v"}]
    )
    assert policy["Arn"] == "arn:aws:iam::123456789012:policy/ml/read"
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", policy["PolicyId"])
    assert policy["DefaultVersionId"] == "v1"
    assert policy["AttachmentCount"] == 0 and policy["IsAttachable"] is True
    got = (await iam.get_policy(ctx(), {"PolicyArn": policy["Arn"]}))["Policy"]
    assert got["Description"] == "reads"
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    version = (
        await iam.get_policy_version(ctx(), {"PolicyArn": policy["Arn"], "VersionId": "v1"})
    )["PolicyVersion"]
    assert version["IsDefaultVersion"] is True
    assert json.loads(unquote(version["Document"])) == json.loads(document())


async def test_duplicate_and_malformed(iam: IamService) -> None:
    await create_policy(iam)
    error = await error_of(create_policy(iam, "READ"))
    assert (error.code, error.status) == ("EntityAlreadyExists", 409)
    assert error.message == "A policy called READ already exists. Duplicate names are not allowed."
    error = await error_of(iam.create_policy(ctx(), {"PolicyName": "bad", "PolicyDocument": "[1,"}))
    assert (error.code, error.message) == (
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
    )


async def test_missing_policy(iam: IamService) -> None:
    arn = "arn:aws:iam::123456789012:policy/ghost"
    error = await error_of(iam.get_policy(ctx(), {"PolicyArn": arn}))
    assert (error.code, error.status, error.message) == (
        "NoSuchEntity",
        404,
        f"Policy {arn} was not found.",
    )
    error = await error_of(iam.get_policy(ctx(), {"PolicyArn": "definitely not an arn"}))
    assert error.code == "InvalidInput"


async def test_aws_managed_policies_are_readable(iam: IamService) -> None:
    for name in (
        "AmazonSageMakerFullAccess",
        "AmazonS3FullAccess",
        "AmazonEC2ContainerRegistryFullAccess",
        "AWSCodeBuildAdminAccess",
        "CloudWatchLogsFullAccess",
    ):
        arn = f"arn:aws:iam::aws:policy/{name}"
        policy = (await iam.get_policy(ctx(), {"PolicyArn": arn}))["Policy"]
        assert policy["PolicyName"] == name
        assert re.fullmatch(r"ANPA[A-Z0-9]{17}", policy["PolicyId"])
        versions = await iam.list_policy_versions(ctx(), {"PolicyArn": arn})
        assert [v["VersionId"] for v in versions["Versions"]] == ["v1"]
    error = await error_of(
        iam.create_policy_version(
            ctx(),
            {
                "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                "PolicyDocument": document(),
            },
        )
    )
    assert error.status == 403


async def test_versions(iam: IamService) -> None:
    arn = (await create_policy(iam))["Arn"]
    v2 = await iam.create_policy_version(
        ctx(), {"PolicyArn": arn, "PolicyDocument": document("s3:PutObject")}
    )
    assert v2["PolicyVersion"]["VersionId"] == "v2"
    assert v2["PolicyVersion"]["IsDefaultVersion"] is False
    await iam.create_policy_version(
        ctx(), {"PolicyArn": arn, "PolicyDocument": document("s3:*"), "SetAsDefault": True}
    )
    assert (await iam.get_policy(ctx(), {"PolicyArn": arn}))["Policy"]["DefaultVersionId"] == "v3"
    listed = (await iam.list_policy_versions(ctx(), {"PolicyArn": arn}))["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [
        ("v3", True),
        ("v2", False),
        ("v1", False),
    ]
    assert "Document" not in listed[0]
    error = await error_of(iam.delete_policy_version(ctx(), {"PolicyArn": arn, "VersionId": "v3"}))
    assert (error.code, error.message) == (
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
    )
    await iam.set_default_policy_version(ctx(), {"PolicyArn": arn, "VersionId": "v1"})
    await iam.delete_policy_version(ctx(), {"PolicyArn": arn, "VersionId": "v3"})
    error = await error_of(iam.get_policy_version(ctx(), {"PolicyArn": arn, "VersionId": "v3"}))
    assert error.code == "NoSuchEntity"
    for _ in range(3):
        await iam.create_policy_version(ctx(), {"PolicyArn": arn, "PolicyDocument": document()})
    error = await error_of(
        iam.create_policy_version(ctx(), {"PolicyArn": arn, "PolicyDocument": document()})
    )
    assert (error.code, error.status) == ("LimitExceeded", 409)


async def test_delete_policy_conflicts(iam: IamService) -> None:
    arn = (await create_policy(iam))["Arn"]
    await iam.create_role(ctx(), {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})
    await iam.attach_role_policy(ctx(), {"RoleName": "r", "PolicyArn": arn})
    assert (await iam.get_policy(ctx(), {"PolicyArn": arn}))["Policy"]["AttachmentCount"] == 1
    error = await error_of(iam.delete_policy(ctx(), {"PolicyArn": arn}))
    assert (error.code, error.status, error.message) == (
        "DeleteConflict",
        409,
        "Cannot delete a policy attached to entities.",
    )
    await iam.detach_role_policy(ctx(), {"RoleName": "r", "PolicyArn": arn})
    await iam.create_policy_version(ctx(), {"PolicyArn": arn, "PolicyDocument": document()})
    error = await error_of(iam.delete_policy(ctx(), {"PolicyArn": arn}))
    assert error.code == "DeleteConflict"
    await iam.delete_policy_version(ctx(), {"PolicyArn": arn, "VersionId": "v2"})
    await iam.delete_policy(ctx(), {"PolicyArn": arn})
    assert (await error_of(iam.get_policy(ctx(), {"PolicyArn": arn}))).code == "NoSuchEntity"


async def test_list_policies_scope_only_attached_and_path(iam: IamService) -> None:
    await create_policy(iam, "local-a", Path="/ml/")
    await create_policy(iam, "local-b")
    local = await iam.list_policies(ctx(), {"Scope": "Local"})
    assert [p["PolicyName"] for p in local["Policies"]] == ["local-a", "local-b"]
    assert "Description" not in local["Policies"][0]
    aws = await iam.list_policies(ctx(), {"Scope": "AWS", "MaxItems": 1000})
    assert len(aws["Policies"]) == len(CATALOGUE)
    everything = await iam.list_policies(ctx(), {"MaxItems": 1000})
    assert len(everything["Policies"]) == len(CATALOGUE) + 2
    ml = await iam.list_policies(ctx(), {"PathPrefix": "/ml/"})
    assert [p["PolicyName"] for p in ml["Policies"]] == ["local-a"]
    await iam.create_role(ctx(), {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})
    await iam.attach_role_policy(
        ctx(), {"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}
    )
    attached = await iam.list_policies(ctx(), {"OnlyAttached": True})
    assert [(p["PolicyName"], p["AttachmentCount"]) for p in attached["Policies"]] == [
        ("AmazonS3FullAccess", 1)
    ]
    other = await iam.list_policies(ctx("210987654321"), {"OnlyAttached": True})
    assert other["Policies"] == []


async def test_list_policies_paginates(iam: IamService) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"Scope": "AWS", "MaxItems": 7}
    while True:
        page = await iam.list_policies(ctx(), params)
        seen += [p["PolicyName"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            break
        params["Marker"] = page["Marker"]
    assert sorted(seen) == sorted(p.name for p in CATALOGUE)
    assert len(seen) == len(set(seen))


async def test_policy_tags(iam: IamService) -> None:
    arn = (await create_policy(iam))["Arn"]
    await iam.tag_policy(ctx(), {"PolicyArn": arn, "Tags": [{"Key": "a", "Value": "1"}]})
    assert (await iam.list_policy_tags(ctx(), {"PolicyArn": arn}))["Tags"] == [
        {"Key": "a", "Value": "1"}
    ]
    await iam.untag_policy(ctx(), {"PolicyArn": arn, "TagKeys": ["A"]})
    assert (await iam.list_policy_tags(ctx(), {"PolicyArn": arn}))["Tags"] == []
