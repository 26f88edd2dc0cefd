"""STS handlers over a real IAM service: caller identity for each kind of key,
AssumeRole's checks and credentials, GetSessionToken, persistence of sessions."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from irisops.config import Config
from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.core.events import EventBus
from irisops.core.runtime import Runtime
from irisops.core.store import Store
from irisops.services.iam import IamService
from irisops.services.sts import StsService

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)
ACCOUNT = "123456789012"


class Services:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store(path / "state.db", fsync=False)
        self.runtime = Runtime(
            config=Config(data_dir=path), store=self.store, bus=EventBus(), data_dir=path
        )
        self.iam = IamService(self.runtime)
        self.sts = StsService(self.runtime)
        self.runtime.services.update(iam=self.iam, sts=self.sts)

    async def open(self) -> Services:
        for service in (self.iam, self.sts):
            self.store.add_schema(service.schema)
        await self.store.open()
        for service in (self.iam, self.sts):
            await service.start()
        return self

    async def close(self) -> None:
        for service in (self.sts, self.iam):
            await service.stop()
        await self.store.close()


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[Services]:
    services = await Services(tmp_path).open()
    try:
        yield services
    finally:
        await services.close()


def ctx(key: str = "test", account: str = ACCOUNT) -> RequestContext:
    return RequestContext(service="sts", operation="", account=account, access_key_id=key)


async def error_of(coro: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        await coro
    return caught.value


async def make_role(svc: Services, name: str = "ml", **extra: Any) -> dict[str, Any]:
    params = {"RoleName": name, "AssumeRolePolicyDocument": TRUST, **extra}
    return (await svc.iam.create_role(ctx(), params))["Role"]


async def test_default_key_is_the_account_root(svc: Services) -> None:
    assert await svc.sts.get_caller_identity(ctx(), {}) == {
        "UserId": ACCOUNT,
        "Account": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:root",
    }
    other = await svc.sts.get_caller_identity(ctx("210987654321", "210987654321"), {})
    assert other["Arn"] == "arn:aws:iam::210987654321:root"


async def test_iam_user_key_is_the_user(svc: Services) -> None:
    user = (await svc.iam.create_user(ctx(), {"UserName": "alice"}))["User"]
    key = (await svc.iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    identity = await svc.sts.get_caller_identity(ctx(key["AccessKeyId"]), {})
    assert identity == {"UserId": user["UserId"], "Account": ACCOUNT, "Arn": user["Arn"]}
    await svc.iam.update_access_key(
        ctx(), {"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Inactive"}
    )
    error = await error_of(svc.sts.get_caller_identity(ctx(key["AccessKeyId"]), {}))
    assert (error.code, error.status) == ("InvalidClientTokenId", 403)


async def test_assume_role(svc: Services) -> None:
    role = await make_role(svc, Path="/svc/")
    answer = await svc.sts.assume_role(
        ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "train-1", "DurationSeconds": 900}
    )
    creds = answer["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40 and len(creds["SessionToken"]) > 100
    assert 890_000 < creds["Expiration"].timestamp() * 1000 - epoch_ms() <= 900_000
    assumed_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/ml/train-1"
    assert answer["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:train-1",
        "Arn": assumed_arn,
    }
    assert svc.runtime.resolve_account(creds["AccessKeyId"]) == ACCOUNT
    identity = await svc.sts.get_caller_identity(ctx(creds["AccessKeyId"]), {})
    assert identity == {
        "UserId": f"{role['RoleId']}:train-1",
        "Account": ACCOUNT,
        "Arn": assumed_arn,
    }
    used = (await svc.iam.get_role(ctx(), {"RoleName": "ml"}))["Role"]["RoleLastUsed"]
    assert used["Region"] == "us-east-1"


async def test_assume_role_in_another_account_maps_credentials_there(svc: Services) -> None:
    other = "210987654321"
    role = (
        await svc.iam.create_role(
            ctx(account=other), {"RoleName": "x", "AssumeRolePolicyDocument": TRUST}
        )
    )["Role"]
    creds = (await svc.sts.assume_role(ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s1"}))[
        "Credentials"
    ]
    assert svc.runtime.resolve_account(creds["AccessKeyId"]) == other
    identity = await svc.sts.get_caller_identity(ctx(creds["AccessKeyId"], other), {})
    assert identity["Arn"] == f"arn:aws:sts::{other}:assumed-role/x/s1"


async def test_assume_missing_role_is_access_denied(svc: Services) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/ghost"
    error = await error_of(svc.sts.assume_role(ctx(), {"RoleArn": arn, "RoleSessionName": "s"}))
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:AssumeRole"
        f" on resource: {arn}"
    )


async def test_duration_is_checked_against_the_role(svc: Services) -> None:
    role = await make_role(svc, MaxSessionDuration=7200)
    ok = await svc.sts.assume_role(
        ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s", "DurationSeconds": 7200}
    )
    assert ok["Credentials"]["AccessKeyId"]
    error = await error_of(
        svc.sts.assume_role(
            ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s", "DurationSeconds": 7201}
        )
    )
    assert (error.code, error.status, error.message) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    chained = ctx(ok["Credentials"]["AccessKeyId"])
    error = await error_of(
        svc.sts.assume_role(
            chained, {"RoleArn": role["Arn"], "RoleSessionName": "s2", "DurationSeconds": 3601}
        )
    )
    assert error.code == "ValidationError" and "role chaining" in error.message
    again = await svc.sts.assume_role(chained, {"RoleArn": role["Arn"], "RoleSessionName": "s2"})
    assert again["AssumedRoleUser"]["Arn"].endswith("/ml/s2")


async def test_session_policy_must_be_well_formed(svc: Services) -> None:
    role = await make_role(svc)
    error = await error_of(
        svc.sts.assume_role(
            ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s", "Policy": "{oops"}
        )
    )
    assert error.code == "MalformedPolicyDocument"


async def test_get_session_token(svc: Services) -> None:
    await svc.iam.create_user(ctx(), {"UserName": "alice"})
    key = (await svc.iam.create_access_key(ctx(), {"UserName": "alice"}))["AccessKey"]
    creds = (await svc.sts.get_session_token(ctx(key["AccessKeyId"]), {}))["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["Expiration"].timestamp() * 1000 - epoch_ms() > 43_000_000
    identity = await svc.sts.get_caller_identity(ctx(creds["AccessKeyId"]), {})
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    error = await error_of(svc.sts.get_session_token(ctx(creds["AccessKeyId"]), {}))
    assert error.code == "AccessDenied"
    root = (await svc.sts.get_session_token(ctx(), {"DurationSeconds": 7200}))["Credentials"]
    assert root["Expiration"].timestamp() * 1000 - epoch_ms() <= 3_600_000


async def test_expired_session_is_expired_token(svc: Services) -> None:
    role = await make_role(svc)
    creds = (await svc.sts.assume_role(ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s"}))[
        "Credentials"
    ]
    await svc.store.execute(
        "UPDATE sts_sessions SET expiration_ms = ? WHERE access_key_id = ?",
        (epoch_ms() - 1, creds["AccessKeyId"]),
    )
    error = await error_of(svc.sts.get_caller_identity(ctx(creds["AccessKeyId"]), {}))
    assert (error.code, error.status) == ("ExpiredToken", 403)


async def test_sessions_persist_across_reopen(tmp_path: Path) -> None:
    first = await Services(tmp_path).open()
    role = await make_role(first)
    creds = (await first.sts.assume_role(ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s"}))[
        "Credentials"
    ]
    await first.close()
    second = await Services(tmp_path).open()
    try:
        assert second.runtime.resolve_account(creds["AccessKeyId"]) == ACCOUNT
        identity = await second.sts.get_caller_identity(ctx(creds["AccessKeyId"]), {})
        assert identity["Arn"].endswith(":assumed-role/ml/s")
        assert second.sts.snapshot() == {"accounts": {ACCOUNT: {"sessions": 1, "active": 1}}}
        await second.sts.reset()
        assert second.runtime.resolve_account(creds["AccessKeyId"]) is None
    finally:
        await second.close()


async def test_role_assumed_event(svc: Services) -> None:
    role = await make_role(svc)
    with svc.runtime.bus.subscribe() as sub:
        answer = await svc.sts.assume_role(ctx(), {"RoleArn": role["Arn"], "RoleSessionName": "s"})
        event = await sub.get()
    assert event is not None and event.type == "sts.RoleAssumed"
    assert event.detail["roleArn"] == role["Arn"]
    published = json.dumps(event.to_json())
    assert answer["Credentials"]["SecretAccessKey"] not in published
    assert answer["Credentials"]["SessionToken"] not in published


async def test_get_access_key_info(svc: Services) -> None:
    other = "210987654321"
    await svc.iam.create_user(ctx(account=other), {"UserName": "u"})
    key = (await svc.iam.create_access_key(ctx(account=other), {"UserName": "u"}))["AccessKey"]
    info = svc.sts.get_access_key_info
    assert await info(ctx(), {"AccessKeyId": key["AccessKeyId"]}) == {"Account": other}
    assert await info(ctx(), {"AccessKeyId": "444455556666"}) == {"Account": "444455556666"}
    assert await info(ctx(), {"AccessKeyId": "AKIAUNKNOWNKEY000000"}) == {"Account": ACCOUNT}
