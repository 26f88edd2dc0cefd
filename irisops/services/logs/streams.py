"""Log stream operations: create, delete, describe."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.errors import (
    STREAM_EXISTS,
    InvalidParameter,
    ResourceAlreadyExists,
    deletion_protected,
    group_not_found,
    invalid_token,
    stream_not_found,
)
from irisops.services.logs.lookups import group_for, group_id, prefix_bounds
from irisops.services.logs.tokens import decode_cursor, encode_cursor

DEFAULT_LIST_LIMIT = 50


class LogStreamOperations(Service):
    async def create_log_stream(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        group, stream = params["logGroupName"], params["logStreamName"]
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> None:
            gid = group_id(conn, ctx.account, ctx.region, group)
            try:
                conn.execute(
                    "INSERT INTO logs_streams (group_id, name, creation_time) VALUES (?, ?, ?)",
                    (gid, stream, now),
                )
            except sqlite3.IntegrityError as exc:
                raise ResourceAlreadyExists(STREAM_EXISTS) from exc

        await self.store.write(write)
        self.publish(
            ctx,
            "logs.LogStreamCreated",
            records.stream_arn(ctx.region, ctx.account, group, stream),
            group=group,
            stream=stream,
        )
        return {}

    async def delete_log_stream(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        group, stream = params["logGroupName"], params["logStreamName"]

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT id, deletion_protection FROM logs_groups "
                "WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, group),
            ).fetchone()
            if row is None:
                raise group_not_found()
            found = conn.execute(
                "SELECT id, stored_bytes FROM logs_streams WHERE group_id = ? AND name = ?",
                (row["id"], stream),
            ).fetchone()
            if found is None:
                raise stream_not_found()
            if row["deletion_protection"]:
                raise deletion_protected(group)
            conn.execute("DELETE FROM logs_streams WHERE id = ?", (found["id"],))
            conn.execute(
                "UPDATE logs_groups SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?",
                (found["stored_bytes"], row["id"]),
            )

        await self.store.write(write)
        self.publish(
            ctx,
            "logs.LogStreamDeleted",
            records.stream_arn(ctx.region, ctx.account, group, stream),
            group=group,
            stream=stream,
        )
        return {}

    async def describe_log_streams(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        group = group_for(self.store, ctx, params)
        prefix = params.get("logStreamNamePrefix")
        order_by = params.get("orderBy") or "LogStreamName"
        descending = bool(params.get("descending"))
        if order_by == "LastEventTime" and prefix:
            raise InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        by_time = order_by == "LastEventTime"
        key = "(coalesce(last_event_timestamp, 0), name)" if by_time else "(name)"
        where = ["group_id = ?"]
        args: list[Any] = [group["id"]]
        if prefix:
            low, high = prefix_bounds(prefix)
            where.append("name >= ?")
            args.append(low)
            if high is not None:
                where.append("name < ?")
                args.append(high)
        token = params.get("nextToken")
        arity = 2 if by_time else 1
        if token:
            cursor = decode_cursor(
                token, f"streams:{group['id']}:{order_by}:{int(descending)}", arity
            )
            if cursor is None:
                raise invalid_token()
            marks = ", ".join("?" * arity)
            where.append(f"{key} {'<' if descending else '>'} ({marks})")
            args += cursor
        direction = " DESC" if descending else ""
        order = (
            f"coalesce(last_event_timestamp, 0){direction}, name{direction}"
            if by_time
            else f"name{direction}"
        )
        limit = params.get("limit") or DEFAULT_LIST_LIMIT
        rows = await self.store.query(
            f"SELECT * FROM logs_streams WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
            [*args, limit + 1],
        )
        out: dict[str, Any] = {
            "logStreams": [
                records.describe_stream(row, ctx.region, ctx.account, group["name"])
                for row in rows[:limit]
            ]
        }
        if len(rows) > limit:
            last = rows[limit - 1]
            values = (
                [last["last_event_timestamp"] or 0, last["name"]] if by_time else [last["name"]]
            )
            out["nextToken"] = encode_cursor(
                f"streams:{group['id']}:{order_by}:{int(descending)}", *values
            )
        return out
