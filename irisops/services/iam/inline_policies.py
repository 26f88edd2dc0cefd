"""Inline policies embedded in a role or a user (Put/Get/Delete/List Role|User Policy)."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.iam import paging, policy_document
from irisops.services.iam.errors import LimitExceeded, NoSuchEntity
from irisops.services.iam.lookups import ROLE, USER, IamLookups

#: Aggregate size of all inline policies of one entity (whitespace not counted).
MAX_AGGREGATE_SIZE = {ROLE: 10240, USER: 2048}


class InlinePolicyHandlers(IamLookups):
    async def put_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._put(ctx, ROLE, params["RoleName"], params)

    async def put_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await self._put(ctx, USER, params["UserName"], params)

    async def get_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, document = self._get(ctx, ROLE, params["RoleName"], params["PolicyName"])
        return {
            "RoleName": name,
            "PolicyName": params["PolicyName"],
            "PolicyDocument": policy_document.encode(document),
        }

    async def get_user_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, document = self._get(ctx, USER, params["UserName"], params["PolicyName"])
        return {
            "UserName": name,
            "PolicyName": params["PolicyName"],
            "PolicyDocument": policy_document.encode(document),
        }

    async def delete_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._delete(ctx, ROLE, params["RoleName"], params["PolicyName"])

    async def delete_user_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._delete(ctx, USER, params["UserName"], params["PolicyName"])

    async def list_role_policies(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._list(ctx, ROLE, params["RoleName"], params)

    async def list_user_policies(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._list(ctx, USER, params["UserName"], params)

    def _principal(self, account: str, kind: str, name: str, conn: Any = None) -> sqlite3.Row:
        if kind == ROLE:
            return self.role_row(account, name, conn)
        return self.user_row(account, name, conn)

    async def _put(
        self, ctx: RequestContext, kind: str, principal: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        policy_name, document = params["PolicyName"], params["PolicyDocument"]
        self._principal(ctx.account, kind, principal)
        policy_document.validate(document)

        def put(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self._principal(ctx.account, kind, principal, conn)
            canonical = row[f"{kind}_name"]
            others = conn.execute(
                "SELECT document FROM iam_inline_policies WHERE account = ?"
                " AND principal_type = ? AND principal_name = ? AND policy_name != ?",
                (ctx.account, kind, canonical, policy_name),
            ).fetchall()
            total = policy_document.policy_size(document) + sum(
                policy_document.policy_size(o["document"]) for o in others
            )
            if total > MAX_AGGREGATE_SIZE[kind]:
                raise LimitExceeded(
                    f"Maximum policy size of {MAX_AGGREGATE_SIZE[kind]} bytes exceeded for"
                    f" {kind} {canonical}"
                )
            conn.execute(
                "INSERT INTO iam_inline_policies (account, principal_type, principal_name,"
                " policy_name, document) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account,"
                " principal_type, principal_name, policy_name) DO UPDATE SET"
                " document = excluded.document",
                (ctx.account, kind, canonical, policy_name, document),
            )
            return row

        row = await self.store.write(put)
        self.publish(ctx, f"iam.{kind.capitalize()}PolicyPut", row["arn"], policyName=policy_name)
        return {}

    def _get(
        self, ctx: RequestContext, kind: str, principal: str, policy_name: str
    ) -> tuple[str, str]:
        row = self._principal(ctx.account, kind, principal)
        canonical = row[f"{kind}_name"]
        policy = self.store.read_one(
            "SELECT document FROM iam_inline_policies WHERE account = ? AND principal_type = ?"
            " AND principal_name = ? AND policy_name = ?",
            (ctx.account, kind, canonical, policy_name),
        )
        if policy is None:
            raise NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")
        return canonical, policy["document"]

    async def _delete(
        self, ctx: RequestContext, kind: str, principal: str, policy_name: str
    ) -> dict[str, Any]:
        def delete(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self._principal(ctx.account, kind, principal, conn)
            deleted = conn.execute(
                "DELETE FROM iam_inline_policies WHERE account = ? AND principal_type = ?"
                " AND principal_name = ? AND policy_name = ?",
                (ctx.account, kind, row[f"{kind}_name"], policy_name),
            ).rowcount
            if not deleted:
                raise NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")
            return row

        row = await self.store.write(delete)
        self.publish(
            ctx, f"iam.{kind.capitalize()}PolicyDeleted", row["arn"], policyName=policy_name
        )
        return {}

    def _list(
        self, ctx: RequestContext, kind: str, principal: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = self._principal(ctx.account, kind, principal)
        names = [
            r["policy_name"]
            for r in self.store.read(
                "SELECT policy_name FROM iam_inline_policies WHERE account = ?"
                " AND principal_type = ? AND principal_name = ? ORDER BY policy_name",
                (ctx.account, kind, row[f"{kind}_name"]),
            )
        ]
        _, out = paging.page(names, params, "PolicyNames")
        return out
