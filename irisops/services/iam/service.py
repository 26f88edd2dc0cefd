"""The IAM service: handlers from each group, plus the read API other services use.

STS reads roles and access keys through :meth:`IamService.role_by_arn` and
:meth:`IamService.key_owner`; the gateway maps ``AKIA…`` access key ids to their
account through the resolver this service registers on the runtime.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from irisops.core.arns import parse_arn
from irisops.core.clock import epoch_ms
from irisops.core.runtime import Runtime
from irisops.services.iam.access_keys import AccessKeyHandlers
from irisops.services.iam.attachments import AttachmentHandlers
from irisops.services.iam.identifiers import ACCESS_KEY_PREFIX
from irisops.services.iam.inline_policies import InlinePolicyHandlers
from irisops.services.iam.instance_profiles import InstanceProfileHandlers
from irisops.services.iam.managed_policies import ManagedPolicyHandlers
from irisops.services.iam.roles import RoleHandlers
from irisops.services.iam.schema import SCHEMA, TABLES
from irisops.services.iam.users import UserHandlers


@dataclass(frozen=True)
class RoleRef:
    account: str
    name: str
    role_id: str
    arn: str
    max_session_duration: int


@dataclass(frozen=True)
class KeyOwner:
    """Who an IAM access key belongs to: a user, or (``user_name`` None) the root."""

    account: str
    access_key_id: str
    user_name: str | None
    user_id: str
    arn: str
    active: bool


class IamService(
    RoleHandlers,
    UserHandlers,
    AccessKeyHandlers,
    InlinePolicyHandlers,
    ManagedPolicyHandlers,
    AttachmentHandlers,
    InstanceProfileHandlers,
):
    name = "iam"
    schema = SCHEMA

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self._resolver_registered = False

    async def start(self) -> None:
        if not self._resolver_registered:
            self.runtime.account_resolvers.append(self.account_for_access_key)
            self._resolver_registered = True

    async def stop(self) -> None:
        if self._resolver_registered:
            self.runtime.account_resolvers.remove(self.account_for_access_key)
            self._resolver_registered = False

    async def reset(self) -> None:
        def wipe(conn: Any) -> None:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")

        await self.store.write(wipe)

    def snapshot(self) -> dict[str, Any]:
        """Per account: how many roles, users and customer managed policies, and names."""
        accounts: dict[str, dict[str, Any]] = defaultdict(
            lambda: {kind: {"count": 0, "names": []} for kind in ("roles", "users", "policies")}
        )
        for kind, sql in (
            ("roles", "SELECT account, role_name AS name FROM iam_roles ORDER BY role_name"),
            ("users", "SELECT account, user_name AS name FROM iam_users ORDER BY user_name"),
            (
                "policies",
                "SELECT account, policy_name AS name FROM iam_policies ORDER BY policy_name",
            ),
        ):
            for row in self.store.read(sql):
                entry = accounts[row["account"]][kind]
                entry["count"] += 1
                entry["names"].append(row["name"])
        return {"accounts": dict(accounts)}

    # -- read API for the gateway and other services ---------------------------------

    def account_for_access_key(self, access_key_id: str) -> str | None:
        """Account resolver: the account an ``AKIA…`` key was created in."""
        if not access_key_id.startswith(ACCESS_KEY_PREFIX):
            return None  # not one IAM made: no read (this runs on every request)
        row = self.store.read_one(
            "SELECT account FROM iam_access_keys WHERE access_key_id = ?", (access_key_id,)
        )
        return row["account"] if row is not None else None

    def key_owner(self, access_key_id: str) -> KeyOwner | None:
        key = self.store.read_one(
            "SELECT * FROM iam_access_keys WHERE access_key_id = ?", (access_key_id,)
        )
        if key is None:
            return None
        account, active = key["account"], key["status"] == "Active"
        if key["user_name"] is None:
            return KeyOwner(
                account, access_key_id, None, account, f"arn:aws:iam::{account}:root", active
            )
        user = self.store.read_one(
            "SELECT * FROM iam_users WHERE account = ? AND user_name = ?",
            (account, key["user_name"]),
        )
        if user is None:
            return None
        return KeyOwner(
            account, access_key_id, user["user_name"], user["user_id"], user["arn"], active
        )

    def role_by_arn(self, arn: str) -> RoleRef | None:
        """The role an ARN names, in the ARN's account. The path may be left out."""
        parts = parse_arn(arn)
        if parts is None or parts["service"] != "iam" or not parts["resource"].startswith("role/"):
            return None
        path, _, name = parts["resource"][len("role") :].rpartition("/")
        row = self.store.read_one(
            "SELECT * FROM iam_roles WHERE account = ? AND role_name = ?",
            (parts["account"], name),
        )
        if row is None or (path and path + "/" != row["path"]):
            return None
        return RoleRef(
            row["account"],
            row["role_name"],
            row["role_id"],
            row["arn"],
            row["max_session_duration"],
        )

    async def record_role_use(self, role: RoleRef, region: str) -> None:
        """Remember when and where a role was last assumed (GetRole's RoleLastUsed)."""
        await self.store.execute(
            "UPDATE iam_roles SET last_used_ms = ?, last_used_region = ?"
            " WHERE account = ? AND role_name = ?",
            (epoch_ms(), region, role.account, role.name),
        )
