"""STS through real boto3: GetCallerIdentity for each kind of credentials, AssumeRole
and its errors, temporary credentials that work against the other services."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

Client = Callable[..., Any]

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def with_credentials(client: Client, service: str, creds: dict[str, Any]) -> Any:
    return client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def test_default_credentials_are_the_account_root(client: Client) -> None:
    identity = client("sts").get_caller_identity()
    assert (identity["Account"], identity["UserId"], identity["Arn"]) == (
        "123456789012",
        "123456789012",
        "arn:aws:iam::123456789012:root",
    )
    other = client("sts", aws_access_key_id="444455556666").get_caller_identity()
    assert other["Arn"] == "arn:aws:iam::444455556666:root"


def test_iam_user_key_identity(client: Client) -> None:
    iam = client("iam")
    user = iam.create_user(UserName="alice")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    identity = with_credentials(client, "sts", key).get_caller_identity()
    assert (identity["Account"], identity["UserId"], identity["Arn"]) == (
        "123456789012",
        user["UserId"],
        user["Arn"],
    )


def test_assume_role_and_use_the_credentials(client: Client) -> None:
    iam = client("iam", aws_access_key_id="777788889999")
    role = iam.create_role(
        RoleName="pipeline", Path="/ci/", AssumeRolePolicyDocument=TRUST, MaxSessionDuration=7200
    )["Role"]
    before = datetime.now(UTC)
    answer = client("sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="build-42", DurationSeconds=5400
    )
    creds = answer["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert creds["SecretAccessKey"] and creds["SessionToken"]
    expected_expiry = before + timedelta(seconds=5400)
    assert abs((creds["Expiration"] - expected_expiry).total_seconds()) < 60
    assumed_arn = "arn:aws:sts::777788889999:assumed-role/pipeline/build-42"
    assert answer["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:build-42",
        "Arn": assumed_arn,
    }
    identity = with_credentials(client, "sts", creds).get_caller_identity()
    assert (identity["Account"], identity["UserId"], identity["Arn"]) == (
        "777788889999",
        f"{role['RoleId']}:build-42",
        assumed_arn,
    )
    as_role = with_credentials(client, "iam", creds)
    assert [r["RoleName"] for r in as_role.list_roles()["Roles"]] == ["pipeline"]
    assert iam.get_role(RoleName="pipeline")["Role"]["RoleLastUsed"]["Region"] == "us-east-1"


def test_assume_missing_role_is_access_denied(client: Client) -> None:
    arn = "arn:aws:iam::123456789012:role/does-not-exist"
    with pytest.raises(ClientError) as caught:
        client("sts").assume_role(RoleArn=arn, RoleSessionName="sess")
    assert error(caught) == (
        "AccessDenied",
        403,
        "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole"
        f" on resource: {arn}",
    )


def test_duration_beyond_the_role_maximum(client: Client) -> None:
    role = client("iam").create_role(RoleName="short", AssumeRolePolicyDocument=TRUST)["Role"]
    with pytest.raises(ClientError) as caught:
        client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="sess", DurationSeconds=3601)
    assert error(caught) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_role_session_name_is_validated(client: Client) -> None:
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]
    sts = client("sts", config=BotoConfig(parameter_validation=False, retries={"max_attempts": 1}))
    for bad in ("has space", "x", "a" * 65):
        with pytest.raises(ClientError) as caught:
            sts.assume_role(RoleArn=role["Arn"], RoleSessionName=bad)
        code, status, message = error(caught)
        assert (code, status) == ("ValidationError", 400)
        assert "roleSessionName" in message


def test_get_session_token(client: Client) -> None:
    iam = client("iam")
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    sts = with_credentials(client, "sts", key)
    creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    identity = with_credentials(client, "sts", creds).get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/dev"
    with pytest.raises(ClientError) as caught:
        with_credentials(client, "sts", creds).get_session_token()
    assert error(caught)[:2] == ("AccessDenied", 403)
