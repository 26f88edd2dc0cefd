"""Managed policies attached to roles and users (Attach/Detach/ListAttached*Policies)."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.iam import paging
from irisops.services.iam.errors import LimitExceeded, no_such_policy, not_attachable
from irisops.services.iam.lookups import ROLE, USER, IamLookups, check_arn

MAX_ATTACHED = 10


class AttachmentHandlers(IamLookups):
    async def attach_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._attach(ctx, ROLE, params["RoleName"], params["PolicyArn"])

    async def attach_user_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._attach(ctx, USER, params["UserName"], params["PolicyArn"])

    async def detach_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._detach(ctx, ROLE, params["RoleName"], params["PolicyArn"])

    async def detach_user_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._detach(ctx, USER, params["UserName"], params["PolicyArn"])

    async def list_attached_role_policies(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._list_attached(ctx, ROLE, params["RoleName"], params)

    async def list_attached_user_policies(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._list_attached(ctx, USER, params["UserName"], params)

    def _principal_name(
        self, account: str, kind: str, name: str, conn: sqlite3.Connection | None = None
    ) -> str:
        if kind == ROLE:
            return str(self.role_row(account, name, conn)["role_name"])
        return str(self.user_row(account, name, conn)["user_name"])

    async def _attach(
        self, ctx: RequestContext, kind: str, principal: str, arn: str
    ) -> dict[str, Any]:
        check_arn(arn)

        def attach(conn: sqlite3.Connection) -> str:
            name = self._principal_name(ctx.account, kind, principal, conn)
            if self.managed_policy(ctx.account, arn, conn) is None:
                raise not_attachable(arn)
            attached = [
                r["policy_arn"]
                for r in conn.execute(
                    "SELECT policy_arn FROM iam_attachments WHERE account = ?"
                    " AND principal_type = ? AND principal_name = ?",
                    (ctx.account, kind, name),
                )
            ]
            if arn not in attached and len(attached) >= MAX_ATTACHED:
                raise LimitExceeded(
                    f"Cannot exceed quota for PoliciesPer{kind.capitalize()}: {MAX_ATTACHED}"
                )
            conn.execute(
                "INSERT OR IGNORE INTO iam_attachments (account, principal_type,"
                " principal_name, policy_arn) VALUES (?, ?, ?, ?)",
                (ctx.account, kind, name, arn),
            )
            return name

        name = await self.store.write(attach)
        self.publish(ctx, f"iam.{kind.capitalize()}PolicyAttached", arn, **{f"{kind}Name": name})
        return {}

    async def _detach(
        self, ctx: RequestContext, kind: str, principal: str, arn: str
    ) -> dict[str, Any]:
        check_arn(arn)

        def detach(conn: sqlite3.Connection) -> str:
            name = self._principal_name(ctx.account, kind, principal, conn)
            deleted = conn.execute(
                "DELETE FROM iam_attachments WHERE account = ? AND principal_type = ?"
                " AND principal_name = ? AND policy_arn = ?",
                (ctx.account, kind, name, arn),
            ).rowcount
            if not deleted:
                raise no_such_policy(arn)
            return name

        name = await self.store.write(detach)
        self.publish(ctx, f"iam.{kind.capitalize()}PolicyDetached", arn, **{f"{kind}Name": name})
        return {}

    def _list_attached(
        self, ctx: RequestContext, kind: str, principal: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = self._principal_name(ctx.account, kind, principal)
        prefix = params.get("PathPrefix") or "/"
        attached = []
        for row in self.store.read(
            "SELECT policy_arn FROM iam_attachments WHERE account = ? AND principal_type = ?"
            " AND principal_name = ? ORDER BY rowid",
            (ctx.account, kind, name),
        ):
            policy = self.managed_policy(ctx.account, row["policy_arn"])
            if policy is not None and policy.path.startswith(prefix):
                attached.append({"PolicyName": policy.name, "PolicyArn": policy.arn})
        _, out = paging.page(attached, params, "AttachedPolicies")
        return out
