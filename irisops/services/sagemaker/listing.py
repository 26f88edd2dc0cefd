"""The List* calls' shared rules: NameContains, creation/modification time windows,
StatusEquals, SortBy/SortOrder and NextToken paging over rows of one table; and the
Describe/List answers of the resources kept as a row with a JSON ``doc`` (models,
endpoint configs)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from irisops.core.clock import from_epoch_ms, to_epoch_ms
from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.sagemaker.errors import SageMakerValidation

SORT_COLUMNS = {"Name": "name", "CreationTime": "created_ms", "Status": "status"}
DEFAULT_MAX = 10


def _ms(value: datetime | None) -> int | None:
    return to_epoch_ms(value) if value is not None else None


def list_query(
    table: str, account: str, region: str, params: dict[str, Any]
) -> tuple[str, list[Any], int, int]:
    """SQL, parameters, offset and page size for one page of a List* call."""
    where = ["account = ?", "region = ?"]
    args: list[Any] = [account, region]
    if params.get("NameContains"):
        where.append("instr(lower(name), lower(?)) > 0")
        args.append(params["NameContains"])
    for key, column, op in (
        ("CreationTimeBefore", "created_ms", "<"),
        ("CreationTimeAfter", "created_ms", ">"),
        ("LastModifiedTimeBefore", "modified_ms", "<"),
        ("LastModifiedTimeAfter", "modified_ms", ">"),
    ):
        if (ms := _ms(params.get(key))) is not None:
            where.append(f"{column} {op} ?")
            args.append(ms)
    if params.get("StatusEquals"):
        where.append("status = ?")
        args.append(params["StatusEquals"])
    column = SORT_COLUMNS.get(params.get("SortBy") or "CreationTime", "created_ms")
    order = "ASC" if params.get("SortOrder") == "Ascending" else "DESC"
    limit = params.get("MaxResults") or DEFAULT_MAX
    offset = 0
    if params.get("NextToken"):
        try:
            offset = int(params["NextToken"])
        except ValueError as exc:
            raise SageMakerValidation("Invalid pagination token.") from exc  # unconfirmed text
    sql = (
        f"SELECT * FROM {table} WHERE {' AND '.join(where)} "
        f"ORDER BY {column} {order}, name {order} LIMIT ? OFFSET ?"
    )
    return sql, [*args, limit + 1, offset], offset, limit


def page(rows: list[Any], offset: int, limit: int) -> tuple[list[Any], str | None]:
    """The rows of this page and the NextToken (None on the last page)."""
    if len(rows) > limit:
        return rows[:limit], str(offset + limit)
    return rows, None


def row_summary(row: sqlite3.Row, noun: str) -> dict[str, Any]:
    """``<noun>Name``, ``<noun>Arn`` and ``CreationTime`` of a resource's row."""
    return {
        f"{noun}Name": row["name"],
        f"{noun}Arn": row["arn"],
        "CreationTime": from_epoch_ms(row["created_ms"]),
    }


def described_row(row: sqlite3.Row, noun: str) -> dict[str, Any]:
    """A Describe* answer: the row's summary and the document kept with it."""
    return {**row_summary(row, noun), **json.loads(row["doc"])}


async def list_page(
    store: Store,
    table: str,
    ctx: RequestContext,
    params: dict[str, Any],
    member: str,
    summary: Callable[[sqlite3.Row], dict[str, Any]],
) -> dict[str, Any]:
    """A List* answer: one page of ``table``'s rows as summaries under ``member``, and
    NextToken when there are more."""
    sql, args, offset, limit = list_query(table, ctx.account, ctx.region, params)
    rows, token = page(await store.query(sql, args), offset, limit)
    out: dict[str, Any] = {member: [summary(row) for row in rows]}
    if token:
        out["NextToken"] = token
    return out
