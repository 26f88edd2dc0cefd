"""Roles: CreateRole ... DeleteRole, trust policies and role tags."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.iam import paging, policy_document, shapes, tags
from irisops.services.iam.errors import DeleteConflict, EntityAlreadyExists
from irisops.services.iam.identifiers import ROLE_PREFIX, iam_arn, unique_id
from irisops.services.iam.lookups import ROLE, IamLookups
from irisops.services.iam.policy_document import PolicyKind

DEFAULT_MAX_SESSION_DURATION = 3600


class RoleHandlers(IamLookups):
    async def create_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["RoleName"]
        document = params["AssumeRolePolicyDocument"]
        policy_document.validate(document, PolicyKind.TRUST)
        policy_document.check_trust_policy_size(document)
        new_tags = params.get("Tags") or []
        tags.check_new(new_tags)
        boundary = self.checked_boundary(ctx.account, params.get("PermissionsBoundary"))
        path = params.get("Path") or "/"
        arn = iam_arn(ctx.account, "role", path, name)
        values = (
            ctx.account,
            name,
            unique_id(ROLE_PREFIX),
            path,
            arn,
            epoch_ms(),
            document,
            params.get("Description"),
            params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_DURATION,
            boundary,
            tags.dump(new_tags),
        )

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            existing = self._one(
                conn,
                "SELECT role_name FROM iam_roles WHERE account = ? AND role_name = ?",
                (ctx.account, name),
            )
            if existing is not None:
                raise EntityAlreadyExists(f"Role with name {name} already exists.")
            conn.execute(
                "INSERT INTO iam_roles (account, role_name, role_id, path, arn, created_ms,"
                " assume_role_policy, description, max_session_duration,"
                " permissions_boundary, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return self.role_row(ctx.account, name, conn)

        row = await self.store.write(insert)
        self.publish(ctx, "iam.RoleCreated", arn, roleName=name, roleId=row["role_id"])
        return {"Role": shapes.role(row, with_last_used=False)}

    async def get_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"Role": shapes.role(self.role_row(ctx.account, params["RoleName"]))}

    async def list_roles(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("PathPrefix") or "/"
        rows = await self.store.query(
            "SELECT * FROM iam_roles WHERE account = ? ORDER BY role_name", (ctx.account,)
        )
        rows = [row for row in rows if row["path"].startswith(prefix)]
        chosen, out = paging.page(rows, params, "Roles")
        out["Roles"] = [shapes.role(r, with_tags=False, with_last_used=False) for r in chosen]
        return out

    async def update_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        await self._update_role(ctx, params)
        return {}

    async def update_role_description(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = await self._update_role(ctx, params)
        return {"Role": shapes.role(row)}

    async def _update_role(self, ctx: RequestContext, params: dict[str, Any]) -> sqlite3.Row:
        name = params["RoleName"]
        changes = {
            column: params[member]
            for member, column in (
                ("Description", "description"),
                ("MaxSessionDuration", "max_session_duration"),
            )
            if params.get(member) is not None
        }

        def update(conn: sqlite3.Connection) -> sqlite3.Row:
            self.role_row(ctx.account, name, conn)
            for column, value in changes.items():
                conn.execute(
                    f"UPDATE iam_roles SET {column} = ? WHERE account = ? AND role_name = ?",
                    (value, ctx.account, name),
                )
            return self.role_row(ctx.account, name, conn)

        row = await self.store.write(update)
        self.publish(ctx, "iam.RoleUpdated", row["arn"], roleName=row["role_name"])
        return row

    async def update_assume_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name, document = params["RoleName"], params["PolicyDocument"]
        self.role_row(ctx.account, name)
        policy_document.validate(document, PolicyKind.TRUST)
        policy_document.check_trust_policy_size(document)

        def update(conn: sqlite3.Connection) -> sqlite3.Row:
            self.role_row(ctx.account, name, conn)
            conn.execute(
                "UPDATE iam_roles SET assume_role_policy = ? WHERE account = ? AND role_name = ?",
                (document, ctx.account, name),
            )
            return self.role_row(ctx.account, name, conn)

        row = await self.store.write(update)
        self.publish(ctx, "iam.RoleTrustPolicyUpdated", row["arn"], roleName=row["role_name"])
        return {}

    async def delete_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["RoleName"]

        def delete(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.role_row(ctx.account, name, conn)
            key = (ctx.account, name)
            if self._one(
                conn,
                "SELECT 1 FROM iam_instance_profiles WHERE account = ? AND role_name = ?",
                key,
            ):
                raise DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first."
                )
            if self._one(
                conn,
                "SELECT 1 FROM iam_attachments WHERE account = ? AND principal_type = ?"
                " AND principal_name = ?",
                (ctx.account, ROLE, name),
            ):
                raise DeleteConflict("Cannot delete entity, must detach all policies first.")
            if self._one(
                conn,
                "SELECT 1 FROM iam_inline_policies WHERE account = ? AND principal_type = ?"
                " AND principal_name = ?",
                (ctx.account, ROLE, name),
            ):
                raise DeleteConflict("Cannot delete entity, must delete policies first.")
            conn.execute("DELETE FROM iam_roles WHERE account = ? AND role_name = ?", key)
            return row

        row = await self.store.write(delete)
        self.publish(ctx, "iam.RoleDeleted", row["arn"], roleName=row["role_name"])
        return {}

    async def tag_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, new_tags = params["RoleName"], params["Tags"]

        def tag(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.role_row(ctx.account, name, conn)
            updated = tags.merged(tags.load(row["tags"]), new_tags, "Role")
            self._set_role_tags(conn, ctx.account, name, updated)
            return row

        row = await self.store.write(tag)
        self.publish(ctx, "iam.RoleTagged", row["arn"], roleName=row["role_name"])
        return {}

    async def untag_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, keys = params["RoleName"], params["TagKeys"]

        def untag(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.role_row(ctx.account, name, conn)
            self._set_role_tags(conn, ctx.account, name, tags.without(tags.load(row["tags"]), keys))
            return row

        row = await self.store.write(untag)
        self.publish(ctx, "iam.RoleUntagged", row["arn"], roleName=row["role_name"])
        return {}

    async def list_role_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self.role_row(ctx.account, params["RoleName"])
        _, out = paging.page(tags.load(row["tags"]), params, "Tags")
        return out

    def _set_role_tags(
        self, conn: sqlite3.Connection, account: str, name: str, value: list[dict[str, str]]
    ) -> None:
        conn.execute(
            "UPDATE iam_roles SET tags = ? WHERE account = ? AND role_name = ?",
            (tags.dump(value), account, name),
        )
