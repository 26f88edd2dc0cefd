"""Long-term access keys of IAM users (and of the account root).

A key is what a client signs with: the gateway maps an ``AKIA…`` key to its account,
and STS reads its owner for GetCallerIdentity (both through ``IamService``'s read
API). Without ``UserName`` the operations act on the caller: the IAM user whose key
signed the request, or else the account root.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms, from_epoch_ms
from irisops.core.context import RequestContext
from irisops.services.iam import paging, shapes
from irisops.services.iam.errors import LimitExceeded, NoSuchEntity
from irisops.services.iam.identifiers import access_key_id, secret_access_key
from irisops.services.iam.lookups import IamLookups

MAX_KEYS_PER_USER = 2


def _no_such_key(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


class AccessKeyHandlers(IamLookups):
    def _key_owner(self, ctx: RequestContext, params: dict[str, Any]) -> str | None:
        """The user a key operation is about (None: the account root)."""
        name = params.get("UserName") or self.caller_user_name(ctx)
        if name is None:
            return None
        return str(self.user_row(ctx.account, name)["user_name"])

    async def create_access_key(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        owner = self._key_owner(ctx, params)
        key_id, secret, now = access_key_id(), secret_access_key(), epoch_ms()

        def insert(conn: sqlite3.Connection) -> None:
            if owner is not None:
                self.user_row(ctx.account, owner, conn)
            count = conn.execute(
                "SELECT COUNT(*) FROM iam_access_keys WHERE account = ? AND user_name IS ?",
                (ctx.account, owner),
            ).fetchone()[0]
            if count >= MAX_KEYS_PER_USER:
                raise LimitExceeded(
                    f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}"
                )
            conn.execute(
                "INSERT INTO iam_access_keys (access_key_id, account, user_name,"
                " secret_access_key, status, created_ms) VALUES (?, ?, ?, ?, 'Active', ?)",
                (key_id, ctx.account, owner, secret, now),
            )

        await self.store.write(insert)
        self.publish(ctx, "iam.AccessKeyCreated", key_id, userName=owner)
        key: dict[str, Any] = {
            "AccessKeyId": key_id,
            "Status": "Active",
            "SecretAccessKey": secret,
            "CreateDate": from_epoch_ms(now),
        }
        if owner is not None:
            key["UserName"] = owner
        return {"AccessKey": key}

    async def list_access_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        owner = self._key_owner(ctx, params)
        rows = self.store.read(
            "SELECT * FROM iam_access_keys WHERE account = ? AND user_name IS ?"
            " ORDER BY created_ms, access_key_id",
            (ctx.account, owner),
        )
        chosen, out = paging.page(rows, params, "AccessKeyMetadata")
        out["AccessKeyMetadata"] = [shapes.access_key_metadata(r) for r in chosen]
        return out

    async def update_access_key(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        owner = self._key_owner(ctx, params)
        key_id, status = params["AccessKeyId"], params["Status"]

        def update(conn: sqlite3.Connection) -> None:
            changed = conn.execute(
                "UPDATE iam_access_keys SET status = ? WHERE access_key_id = ? AND account = ?"
                " AND user_name IS ?",
                (status, key_id, ctx.account, owner),
            ).rowcount
            if not changed:
                raise _no_such_key(key_id)

        await self.store.write(update)
        self.publish(ctx, "iam.AccessKeyUpdated", key_id, userName=owner, status=status)
        return {}

    async def delete_access_key(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        owner = self._key_owner(ctx, params)
        key_id = params["AccessKeyId"]

        def delete(conn: sqlite3.Connection) -> None:
            deleted = conn.execute(
                "DELETE FROM iam_access_keys WHERE access_key_id = ? AND account = ?"
                " AND user_name IS ?",
                (key_id, ctx.account, owner),
            ).rowcount
            if not deleted:
                raise _no_such_key(key_id)

        await self.store.write(delete)
        self.publish(ctx, "iam.AccessKeyDeleted", key_id, userName=owner)
        return {}

    async def get_access_key_last_used(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Use of keys is not tracked: every key reads as never used (``N/A``), as AWS
        answers for a key that has not signed a request yet."""
        key_id = params["AccessKeyId"]
        row = self.store.read_one(
            "SELECT user_name FROM iam_access_keys WHERE access_key_id = ? AND account = ?",
            (key_id, ctx.account),
        )
        if row is None:
            raise _no_such_key(key_id)
        out: dict[str, Any] = {"AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
        if row["user_name"] is not None:
            out["UserName"] = row["user_name"]
        return out
