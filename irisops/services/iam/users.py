"""Users: CreateUser ... DeleteUser, renames and user tags."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.iam import paging, shapes, tags
from irisops.services.iam.errors import DeleteConflict, EntityAlreadyExists
from irisops.services.iam.identifiers import USER_PREFIX, iam_arn, unique_id
from irisops.services.iam.lookups import USER, IamLookups

#: What GetUser answers as the root user's creation date (there is no account record).
ROOT_CREATE_DATE = datetime(2020, 1, 1, tzinfo=UTC)


class UserHandlers(IamLookups):
    async def create_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["UserName"]
        new_tags = params.get("Tags") or []
        tags.check_new(new_tags)
        boundary = self.checked_boundary(ctx.account, params.get("PermissionsBoundary"))
        path = params.get("Path") or "/"
        arn = iam_arn(ctx.account, "user", path, name)
        values = (
            ctx.account,
            name,
            unique_id(USER_PREFIX),
            path,
            arn,
            epoch_ms(),
            boundary,
            tags.dump(new_tags),
        )

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            if self._one(
                conn,
                "SELECT 1 FROM iam_users WHERE account = ? AND user_name = ?",
                (ctx.account, name),
            ):
                raise EntityAlreadyExists(f"User with name {name} already exists.")
            conn.execute(
                "INSERT INTO iam_users (account, user_name, user_id, path, arn, created_ms,"
                " permissions_boundary, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return self.user_row(ctx.account, name, conn)

        row = await self.store.write(insert)
        self.publish(ctx, "iam.UserCreated", arn, userName=name, userId=row["user_id"])
        return {"User": shapes.user(row)}

    async def get_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("UserName") or self.caller_user_name(ctx)
        if name is None:
            return {
                "User": {
                    "UserId": ctx.account,
                    "Arn": f"arn:aws:iam::{ctx.account}:root",
                    "CreateDate": ROOT_CREATE_DATE,
                }
            }
        return {"User": shapes.user(self.user_row(ctx.account, name))}

    async def list_users(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("PathPrefix") or "/"
        rows = await self.store.query(
            "SELECT * FROM iam_users WHERE account = ? ORDER BY user_name", (ctx.account,)
        )
        rows = [row for row in rows if row["path"].startswith(prefix)]
        chosen, out = paging.page(rows, params, "Users")
        out["Users"] = [shapes.user(r, detail=False) for r in chosen]
        return out

    async def update_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Rename and/or move a user; its keys, policies and attachments follow it."""
        name = params["UserName"]
        new_name = params.get("NewUserName")
        new_path = params.get("NewPath")

        def update(conn: sqlite3.Connection) -> tuple[sqlite3.Row, sqlite3.Row]:
            row = self.user_row(ctx.account, name, conn)
            old = row["user_name"]
            target = new_name or old
            if target.lower() != old.lower() and self._one(
                conn,
                "SELECT 1 FROM iam_users WHERE account = ? AND user_name = ?",
                (ctx.account, target),
            ):
                raise EntityAlreadyExists(f"User with name {target} already exists.")
            path = new_path or row["path"]
            conn.execute(
                "UPDATE iam_users SET user_name = ?, path = ?, arn = ?"
                " WHERE account = ? AND user_name = ?",
                (target, path, iam_arn(ctx.account, "user", path, target), ctx.account, old),
            )
            for table, column, extra in (
                ("iam_access_keys", "user_name", ""),
                ("iam_inline_policies", "principal_name", " AND principal_type = 'user'"),
                ("iam_attachments", "principal_name", " AND principal_type = 'user'"),
            ):
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE account = ? AND {column} = ?{extra}",
                    (target, ctx.account, old),
                )
            return row, self.user_row(ctx.account, target, conn)

        before, after = await self.store.write(update)
        self.publish(
            ctx,
            "iam.UserUpdated",
            after["arn"],
            userName=after["user_name"],
            previousUserName=before["user_name"],
        )
        return {}

    async def delete_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["UserName"]

        def delete(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.user_row(ctx.account, name, conn)
            canonical = row["user_name"]
            if self._one(
                conn,
                "SELECT 1 FROM iam_access_keys WHERE account = ? AND user_name = ?",
                (ctx.account, canonical),
            ):
                raise DeleteConflict("Cannot delete entity, must delete access keys first.")
            principal = (ctx.account, USER, canonical)
            if self._one(
                conn,
                "SELECT 1 FROM iam_attachments WHERE account = ? AND principal_type = ?"
                " AND principal_name = ?",
                principal,
            ):
                raise DeleteConflict("Cannot delete entity, must detach all policies first.")
            if self._one(
                conn,
                "SELECT 1 FROM iam_inline_policies WHERE account = ? AND principal_type = ?"
                " AND principal_name = ?",
                principal,
            ):
                raise DeleteConflict("Cannot delete entity, must delete policies first.")
            conn.execute(
                "DELETE FROM iam_users WHERE account = ? AND user_name = ?",
                (ctx.account, canonical),
            )
            return row

        row = await self.store.write(delete)
        self.publish(ctx, "iam.UserDeleted", row["arn"], userName=row["user_name"])
        return {}

    async def tag_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, new_tags = params["UserName"], params["Tags"]

        def tag(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.user_row(ctx.account, name, conn)
            updated = tags.merged(tags.load(row["tags"]), new_tags, "User")
            self._set_user_tags(conn, ctx.account, row["user_name"], updated)
            return row

        row = await self.store.write(tag)
        self.publish(ctx, "iam.UserTagged", row["arn"], userName=row["user_name"])
        return {}

    async def untag_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, keys = params["UserName"], params["TagKeys"]

        def untag(conn: sqlite3.Connection) -> sqlite3.Row:
            row = self.user_row(ctx.account, name, conn)
            remaining = tags.without(tags.load(row["tags"]), keys)
            self._set_user_tags(conn, ctx.account, row["user_name"], remaining)
            return row

        row = await self.store.write(untag)
        self.publish(ctx, "iam.UserUntagged", row["arn"], userName=row["user_name"])
        return {}

    async def list_user_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self.user_row(ctx.account, params["UserName"])
        _, out = paging.page(tags.load(row["tags"]), params, "Tags")
        return out

    def _set_user_tags(
        self, conn: sqlite3.Connection, account: str, name: str, value: list[dict[str, str]]
    ) -> None:
        conn.execute(
            "UPDATE iam_users SET tags = ? WHERE account = ? AND user_name = ?",
            (tags.dump(value), account, name),
        )
