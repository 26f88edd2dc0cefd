"""Finding the log group a request names, inside or outside a write transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.logs import records
from irisops.services.logs.errors import InvalidParameter, LogsValidation, group_not_found


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """``[low, high)`` such that exactly the names starting with ``prefix`` fall inside
    (SQLite compares TEXT as UTF-8 bytes, which orders like code points)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, None
    return prefix, prefix[:-1] + chr(last + 1)


def group_id(conn: sqlite3.Connection, account: str, region: str, name: str) -> int:
    """The id of a group, inside a write transaction."""
    row = conn.execute(
        "SELECT id FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    if row is None:
        raise group_not_found()
    return int(row[0])


def group_row(store: Store, ctx: RequestContext, name: str) -> sqlite3.Row:
    row = store.read_one(
        "SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
        (ctx.account, ctx.region, name),
    )
    if row is None:
        raise group_not_found()
    return row


def group_for(store: Store, ctx: RequestContext, params: dict[str, Any]) -> sqlite3.Row:
    """The group named by ``logGroupName`` or ``logGroupIdentifier`` (name or ARN)."""
    name = params.get("logGroupName")
    identifier = params.get("logGroupIdentifier")
    if name and identifier:
        raise LogsValidation("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if identifier:
        name = identifier_name(ctx, identifier)
        if name is None:
            if records.group_name_from_arn(identifier) is None:
                raise InvalidParameter(f"Invalid logGroupIdentifier: {identifier}")  # unconfirmed
            raise group_not_found()
    if not name:
        raise InvalidParameter(  # unconfirmed text
            "Either logGroupName or logGroupIdentifier must be specified."
        )
    return group_row(store, ctx, name)


def identifier_name(ctx: RequestContext, value: str) -> str | None:
    """The group name of a ``logGroupIdentifier``: a name, or an ARN of the caller's
    account and region (None otherwise: no cross-account observability here)."""
    if not value.startswith("arn:"):
        return value
    parsed = records.group_name_from_arn(value)
    if parsed is None or parsed[:2] != (ctx.account, ctx.region):
        return None
    return parsed[2]


def group_name_for_arn(ctx: RequestContext, resource_arn: str) -> str:
    """The group a tagging ``resourceArn`` names."""
    parsed = records.group_name_from_arn(resource_arn)
    if parsed is None:
        raise InvalidParameter(f"Invalid resourceArn: {resource_arn}")  # unconfirmed text
    account, region, name = parsed
    if (account, region) != (ctx.account, ctx.region):
        raise group_not_found()
    return name


async def update_group(
    store: Store, ctx: RequestContext, name: str, column: str, value: Any
) -> None:
    """Set one column of a group (``column`` is ours, never the caller's)."""

    def write(conn: sqlite3.Connection) -> None:
        changed = conn.execute(
            f"UPDATE logs_groups SET {column} = ? WHERE account = ? AND region = ? AND name = ?",
            (value, ctx.account, ctx.region, name),
        ).rowcount
        if not changed:
            raise group_not_found()

    await store.write(write)
