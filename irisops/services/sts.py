"""AWS Security Token Service: who is calling, and temporary credentials.

STS owns no identities: roles and long-term access keys are IAM's, read through the
IAM service's read API (found in ``runtime.services["iam"]``). What STS does own are
the temporary credentials it hands out (``ASIA…`` key ids), persisted so they survive a
restart; each session row records the identity GetCallerIdentity answers for it. The
resolver it registers on the runtime maps those key ids to their account.
"""

from __future__ import annotations

import base64
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from irisops.core.clock import epoch_ms, from_epoch_ms, to_epoch_ms, utcnow
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, InternalFailure
from irisops.core.runtime import Runtime
from irisops.services.base import Service
from irisops.services.iam import policy_document
from irisops.services.iam.identifiers import access_key_id, secret_access_key

if TYPE_CHECKING:
    from irisops.services.iam import IamService

TEMPORARY_KEY_PREFIX = "ASIA"
ACCOUNT_ID = re.compile(r"\d{12}")
DEFAULT_ROLE_SESSION = 3600
#: A role session started from another role session may last at most an hour.
ROLE_CHAINING_MAX = 3600
DEFAULT_USER_SESSION = 43200
ROOT_SESSION_MAX = 3600
#: Expired sessions are kept this long (so their callers get ExpiredToken), then pruned.
EXPIRED_RETENTION_MS = 24 * 3600 * 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS sts_sessions (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    secret_access_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    expiration_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    -- The identity GetCallerIdentity answers for these credentials.
    arn TEXT NOT NULL,
    user_id TEXT NOT NULL,
    -- Set for AssumeRole sessions; NULL for GetSessionToken ones.
    role_arn TEXT
);
CREATE INDEX IF NOT EXISTS sts_sessions_account ON sts_sessions (account);
"""


@dataclass(frozen=True)
class Caller:
    account: str
    arn: str
    user_id: str
    temporary: bool = False
    assumed_role: bool = False


def _validation_error(message: str) -> AwsError:
    return AwsError(message, code="ValidationError", status=400)


def _access_denied(message: str) -> AwsError:
    return AwsError(message, code="AccessDenied", status=403)


def _session_token() -> str:
    return base64.b64encode(secrets.token_bytes(192)).decode("ascii")


class StsService(Service):
    name = "sts"
    schema = SCHEMA

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self._resolver_registered = False

    async def start(self) -> None:
        await self.store.execute(
            "DELETE FROM sts_sessions WHERE expiration_ms < ?",
            (epoch_ms() - EXPIRED_RETENTION_MS,),
        )
        if not self._resolver_registered:
            self.runtime.account_resolvers.append(self.account_for_access_key)
            self._resolver_registered = True

    async def stop(self) -> None:
        if self._resolver_registered:
            self.runtime.account_resolvers.remove(self.account_for_access_key)
            self._resolver_registered = False

    async def reset(self) -> None:
        await self.store.execute("DELETE FROM sts_sessions")

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT account, COUNT(*) AS sessions, SUM(expiration_ms > ?) AS active"
            " FROM sts_sessions GROUP BY account",
            (epoch_ms(),),
        )
        return {
            "accounts": {
                r["account"]: {"sessions": r["sessions"], "active": r["active"] or 0} for r in rows
            }
        }

    def account_for_access_key(self, access_key_id: str) -> str | None:
        """Account resolver: the account a temporary ``ASIA…`` key belongs to."""
        if not access_key_id.startswith(TEMPORARY_KEY_PREFIX):
            return None  # not one STS issued: no read (this runs on every request)
        row = self.store.read_one(
            "SELECT account FROM sts_sessions WHERE access_key_id = ?", (access_key_id,)
        )
        return row["account"] if row is not None else None

    # -- operations -------------------------------------------------------------------

    async def get_caller_identity(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        caller = self._caller(ctx)
        return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}

    async def get_access_key_info(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """The account a key id belongs to: a 12-digit id is that account (irisops's
        convention), IAM and STS keys are looked up, anything else is the default."""
        key = params["AccessKeyId"]
        if ACCOUNT_ID.fullmatch(key):
            return {"Account": key}
        return {"Account": self.runtime.resolve_account(key) or self.config.account}

    async def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        caller = self._caller(ctx)
        iam = self._iam()
        role = iam.role_by_arn(role_arn)
        if role is None:
            raise _access_denied(
                f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on"
                f" resource: {role_arn}"
            )
        duration = params.get("DurationSeconds") or DEFAULT_ROLE_SESSION
        if caller.assumed_role and duration > ROLE_CHAINING_MAX:
            raise _validation_error(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles"
                " assumed by role chaining."
            )
        if duration > role.max_session_duration:
            raise _validation_error(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        if params.get("Policy"):
            policy_document.validate(params["Policy"])
        arn = f"arn:aws:sts::{role.account}:assumed-role/{role.name}/{session_name}"
        user_id = f"{role.role_id}:{session_name}"
        credentials = await self._issue(role.account, duration, arn, user_id, role.arn)
        await iam.record_role_use(role, ctx.region)
        self.publish(
            ctx,
            "sts.RoleAssumed",
            arn,
            roleArn=role.arn,
            roleSessionName=session_name,
            accessKeyId=credentials["AccessKeyId"],
            expiration=credentials["Expiration"].isoformat(),
        )
        out: dict[str, Any] = {
            "Credentials": credentials,
            "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn},
        }
        if params.get("SourceIdentity"):
            out["SourceIdentity"] = params["SourceIdentity"]
        return out

    async def get_session_token(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        caller = self._caller(ctx)
        if caller.temporary:
            raise _access_denied("Cannot call GetSessionToken with session credentials")
        is_root = caller.arn.endswith(":root")
        duration = params.get("DurationSeconds") or (
            ROOT_SESSION_MAX if is_root else DEFAULT_USER_SESSION
        )
        if is_root:
            duration = min(duration, ROOT_SESSION_MAX)
        credentials = await self._issue(caller.account, duration, caller.arn, caller.user_id)
        self.publish(
            ctx,
            "sts.SessionTokenIssued",
            caller.arn,
            accessKeyId=credentials["AccessKeyId"],
            expiration=credentials["Expiration"].isoformat(),
        )
        return {"Credentials": credentials}

    # -- helpers ----------------------------------------------------------------------

    def _iam(self) -> IamService:
        iam: IamService | None = self.runtime.services.get("iam")
        if iam is None:
            raise InternalFailure("STS needs the IAM service, which is not running.")
        return iam

    def _caller(self, ctx: RequestContext) -> Caller:
        """Who signed the request: STS session credentials, an IAM access key, or else
        (a 12-digit or unknown key id) the root of the request's account."""
        key = ctx.access_key_id
        session = (
            self.store.read_one("SELECT * FROM sts_sessions WHERE access_key_id = ?", (key,))
            if key
            else None
        )
        if session is not None:
            if session["expiration_ms"] <= epoch_ms():
                raise AwsError(
                    "The security token included in the request is expired",
                    code="ExpiredToken",
                    status=403,
                )
            return Caller(
                session["account"],
                session["arn"],
                session["user_id"],
                temporary=True,
                assumed_role=session["role_arn"] is not None,
            )
        owner = self._iam().key_owner(key) if key else None
        if owner is not None:
            if not owner.active:
                raise AwsError(
                    "The security token included in the request is invalid.",
                    code="InvalidClientTokenId",
                    status=403,
                )
            return Caller(owner.account, owner.arn, owner.user_id)
        return Caller(ctx.account, f"arn:aws:iam::{ctx.account}:root", ctx.account)

    async def _issue(
        self,
        account: str,
        duration: int,
        arn: str,
        user_id: str,
        role_arn: str | None = None,
    ) -> dict[str, Any]:
        """New temporary credentials for ``arn``, persisted before they are returned."""
        now = utcnow()
        expiration = to_epoch_ms(now + timedelta(seconds=duration))
        key_id = access_key_id(TEMPORARY_KEY_PREFIX)
        secret, token = secret_access_key(), _session_token()

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO sts_sessions (access_key_id, account, secret_access_key,"
                " session_token, expiration_ms, created_ms, arn, user_id, role_arn)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key_id,
                    account,
                    secret,
                    token,
                    expiration,
                    to_epoch_ms(now),
                    arn,
                    user_id,
                    role_arn,
                ),
            )

        await self.store.write(insert)
        return {
            "AccessKeyId": key_id,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": from_epoch_ms(expiration),
        }
