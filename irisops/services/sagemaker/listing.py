"""The List* calls' shared rules: NameContains, creation/modification time windows,
StatusEquals, SortBy/SortOrder and NextToken paging over rows of one table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from irisops.core.clock import to_epoch_ms
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
