"""Log group operations: create, delete, describe, deletion protection."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.errors import (
    GROUP_EXISTS,
    InvalidParameter,
    ResourceAlreadyExists,
    deletion_protected,
    group_not_found,
    invalid_token,
)
from irisops.services.logs.lookups import (
    group_for,
    identifier_name,
    prefix_bounds,
    update_group,
)
from irisops.services.logs.tokens import decode_cursor, encode_cursor

DEFAULT_LIST_LIMIT = 50


class LogGroupOperations(Service):
    async def create_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["logGroupName"]
        tags = params.get("tags") or {}
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO logs_groups (account, region, name, creation_time, kms_key_id, "
                    "log_group_class, deletion_protection, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ctx.account,
                        ctx.region,
                        name,
                        now,
                        params.get("kmsKeyId"),
                        params.get("logGroupClass") or "STANDARD",
                        int(bool(params.get("deletionProtectionEnabled"))),
                        json.dumps(tags),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise ResourceAlreadyExists(GROUP_EXISTS) from exc

        await self.store.write(write)
        self.publish(ctx, "logs.LogGroupCreated", records.group_arn(ctx.region, ctx.account, name))
        return {}

    async def delete_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["logGroupName"]

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT id, deletion_protection FROM logs_groups "
                "WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise group_not_found()
            if row["deletion_protection"]:
                raise deletion_protected(name)
            conn.execute("DELETE FROM logs_groups WHERE id = ?", (row["id"],))

        await self.store.write(write)
        self.publish(ctx, "logs.LogGroupDeleted", records.group_arn(ctx.region, ctx.account, name))
        return {}

    async def describe_log_groups(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        prefix = params.get("logGroupNamePrefix")
        pattern = params.get("logGroupNamePattern")
        if prefix and pattern:
            raise InvalidParameter(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        where = ["account = ?", "region = ?"]
        args: list[Any] = [ctx.account, ctx.region]
        if prefix:
            low, high = prefix_bounds(prefix)
            where.append("name >= ?")
            args.append(low)
            if high is not None:
                where.append("name < ?")
                args.append(high)
        if pattern:
            where.append("instr(name, ?) > 0")
            args.append(pattern)
        group_class = params.get("logGroupClass")
        if group_class:
            classes = (
                ["INFREQUENT_ACCESS", "ESSENTIALS"]
                if group_class in {"INFREQUENT_ACCESS", "ESSENTIALS"}
                else [group_class]
            )
            where.append("log_group_class IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(classes))
        identifiers = params.get("logGroupIdentifiers")
        if identifiers:
            names = [identifier_name(ctx, value) for value in identifiers]
            where.append("name IN (SELECT value FROM json_each(?))")
            args.append(json.dumps([n for n in names if n is not None]))
        token = params.get("nextToken")
        if token:
            cursor = decode_cursor(token, "groups", 1)
            if cursor is None or not isinstance(cursor[0], str):
                raise invalid_token()
            where.append("name > ?")
            args.append(cursor[0])
        limit = params.get("limit") or DEFAULT_LIST_LIMIT
        rows = await self.store.query(
            f"SELECT * FROM logs_groups WHERE {' AND '.join(where)} ORDER BY name LIMIT ?",
            [*args, limit + 1],
        )
        out: dict[str, Any] = {
            "logGroups": [records.describe_group(row, brief=bool(pattern)) for row in rows[:limit]]
        }
        if len(rows) > limit:
            out["nextToken"] = encode_cursor("groups", rows[limit - 1]["name"])
        return out

    async def put_log_group_deletion_protection(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = group_for(self.store, ctx, {"logGroupIdentifier": params["logGroupIdentifier"]})[
            "name"
        ]
        enabled = bool(params["deletionProtectionEnabled"])
        await update_group(self.store, ctx, name, "deletion_protection", int(enabled))
        self.publish(
            ctx,
            "logs.DeletionProtectionPut",
            records.group_arn(ctx.region, ctx.account, name),
            enabled=enabled,
        )
        return {}
