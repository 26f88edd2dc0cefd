"""ListTrainingJobs / ListProcessingJobs: name, status and time filters, sorting and
offset pagination over the jobs table."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.sagemaker.errors import SageMakerValidation

DEFAULT_MAX_RESULTS = 10
SORT_COLUMNS = {"Name": "lower(name)", "CreationTime": "created", "Status": "status"}
TIME_FILTERS = {
    "CreationTimeAfter": "round(created, 3) > ?",
    "CreationTimeBefore": "round(created, 3) < ?",
    "LastModifiedTimeAfter": "round(modified, 3) > ?",
    "LastModifiedTimeBefore": "round(modified, 3) < ?",
}


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = int(token)
    except ValueError:
        offset = -1
    if offset < 0:
        raise SageMakerValidation("Invalid pagination token.")  # unconfirmed text
    return offset


async def list_jobs(
    store: Store,
    ctx: RequestContext,
    kind: str,
    params: dict[str, Any],
    summary: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[list[dict[str, Any]], str | None]:
    """The summaries of one page and the next page's token (None on the last page)."""
    where = ["account = ?", "region = ?", "kind = ?"]
    args: list[Any] = [ctx.account, ctx.region, kind]
    if params.get("NameContains"):
        where.append("instr(lower(name), ?) > 0")
        args.append(params["NameContains"].lower())
    if params.get("StatusEquals"):
        where.append("status = ?")
        args.append(params["StatusEquals"])
    for key, clause in TIME_FILTERS.items():
        value = params.get(key)
        if isinstance(value, datetime):
            where.append(clause)
            args.append(value.timestamp())
    column = SORT_COLUMNS[params.get("SortBy") or "CreationTime"]
    order = "DESC" if params.get("SortOrder") == "Descending" else "ASC"
    limit = params.get("MaxResults") or DEFAULT_MAX_RESULTS
    offset = _offset(params.get("NextToken"))
    rows = await store.query(
        f"SELECT doc FROM sagemaker_jobs WHERE {' AND '.join(where)} "
        f"ORDER BY {column} {order}, created {order}, arn LIMIT ? OFFSET ?",
        (*args, limit + 1, offset),
    )
    docs = [json.loads(row["doc"]) for row in rows]
    more = len(docs) > limit
    return [summary(doc) for doc in docs[:limit]], str(offset + limit) if more else None
