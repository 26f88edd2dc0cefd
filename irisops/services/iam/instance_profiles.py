"""Instance profiles: a named holder for at most one role."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.iam import paging, shapes, tags
from irisops.services.iam.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    no_such_instance_profile,
    no_such_role,
)
from irisops.services.iam.identifiers import INSTANCE_PROFILE_PREFIX, iam_arn, unique_id
from irisops.services.iam.lookups import Conn, IamLookups


class InstanceProfileHandlers(IamLookups):
    async def create_instance_profile(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["InstanceProfileName"]
        new_tags = params.get("Tags") or []
        tags.check_new(new_tags)
        path = params.get("Path") or "/"
        arn = iam_arn(ctx.account, "instance-profile", path, name)
        values = (
            ctx.account,
            name,
            unique_id(INSTANCE_PROFILE_PREFIX),
            path,
            arn,
            epoch_ms(),
            tags.dump(new_tags),
        )

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            if self._one(
                conn,
                "SELECT 1 FROM iam_instance_profiles WHERE account = ? AND profile_name = ?",
                (ctx.account, name),
            ):
                raise EntityAlreadyExists(f"Instance Profile {name} already exists.")
            conn.execute(
                "INSERT INTO iam_instance_profiles (account, profile_name, profile_id, path,"
                " arn, created_ms, tags) VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return self._profile_row(ctx.account, name, conn)

        row = await self.store.write(insert)
        self.publish(ctx, "iam.InstanceProfileCreated", arn, instanceProfileName=name)
        return {"InstanceProfile": shapes.instance_profile(row, [])}

    async def get_instance_profile(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = self._profile_row(ctx.account, params["InstanceProfileName"])
        return {"InstanceProfile": self._profile_shape(ctx.account, row)}

    async def list_instance_profiles(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        prefix = params.get("PathPrefix") or "/"
        rows = await self.store.query(
            "SELECT * FROM iam_instance_profiles WHERE account = ? ORDER BY profile_name",
            (ctx.account,),
        )
        rows = [row for row in rows if row["path"].startswith(prefix)]
        chosen, out = paging.page(rows, params, "InstanceProfiles")
        out["InstanceProfiles"] = [self._profile_shape(ctx.account, r) for r in chosen]
        return out

    async def list_instance_profiles_for_role(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        role = self.role_row(ctx.account, params["RoleName"])
        rows = self.store.read(
            "SELECT * FROM iam_instance_profiles WHERE account = ? AND role_name = ?"
            " ORDER BY profile_name",
            (ctx.account, role["role_name"]),
        )
        chosen, out = paging.page(rows, params, "InstanceProfiles")
        out["InstanceProfiles"] = [shapes.instance_profile(r, [role]) for r in chosen]
        return out

    async def add_role_to_instance_profile(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name, role_name = params["InstanceProfileName"], params["RoleName"]

        def add(conn: sqlite3.Connection) -> sqlite3.Row:
            profile = self._profile_row(ctx.account, name, conn)
            role = self.role_row(ctx.account, role_name, conn)
            if profile["role_name"] is not None:
                raise LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
            conn.execute(
                "UPDATE iam_instance_profiles SET role_name = ? WHERE account = ?"
                " AND profile_name = ?",
                (role["role_name"], ctx.account, profile["profile_name"]),
            )
            return profile

        profile = await self.store.write(add)
        self.publish(ctx, "iam.InstanceProfileRoleAdded", profile["arn"], roleName=role_name)
        return {}

    async def remove_role_from_instance_profile(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name, role_name = params["InstanceProfileName"], params["RoleName"]

        def remove(conn: sqlite3.Connection) -> sqlite3.Row:
            profile = self._profile_row(ctx.account, name, conn)
            role = self.role_row(ctx.account, role_name, conn)
            if (profile["role_name"] or "").lower() != role["role_name"].lower():
                raise no_such_role(role_name)
            conn.execute(
                "UPDATE iam_instance_profiles SET role_name = NULL WHERE account = ?"
                " AND profile_name = ?",
                (ctx.account, profile["profile_name"]),
            )
            return profile

        profile = await self.store.write(remove)
        self.publish(ctx, "iam.InstanceProfileRoleRemoved", profile["arn"], roleName=role_name)
        return {}

    async def delete_instance_profile(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["InstanceProfileName"]

        def delete(conn: sqlite3.Connection) -> sqlite3.Row:
            profile = self._profile_row(ctx.account, name, conn)
            if profile["role_name"] is not None:
                raise DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first."
                )
            conn.execute(
                "DELETE FROM iam_instance_profiles WHERE account = ? AND profile_name = ?",
                (ctx.account, profile["profile_name"]),
            )
            return profile

        profile = await self.store.write(delete)
        self.publish(ctx, "iam.InstanceProfileDeleted", profile["arn"])
        return {}

    def _profile_row(self, account: str, name: str, conn: Conn = None) -> sqlite3.Row:
        row = self._one(
            conn,
            "SELECT * FROM iam_instance_profiles WHERE account = ? AND profile_name = ?",
            (account, name),
        )
        if row is None:
            raise no_such_instance_profile(name)
        return row

    def _profile_shape(self, account: str, row: sqlite3.Row) -> dict[str, Any]:
        roles = []
        if row["role_name"] is not None:
            roles = self.store.read(
                "SELECT * FROM iam_roles WHERE account = ? AND role_name = ?",
                (account, row["role_name"]),
            )
        return shapes.instance_profile(row, roles)
