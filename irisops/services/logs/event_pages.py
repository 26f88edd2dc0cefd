"""Reading events back: GetLogEvents pages and FilterLogEvents scans.

A GetLogEvents request selects a range of the stream: the events after the boundary of
a forward token or before the boundary of a backward token, intersected with
``[startTime, endTime)``. ``startFromHead`` picks which end of that range the page is
cut from: true takes the earliest events, false (the default) the latest. That is why
paging forward needs ``startFromHead=true`` while backward paging works with the
default, as the API reference says. A page holds at most ``limit`` events (10,000
by default) and 1 MB counted as message bytes plus 26 per event; it is never empty
while the range has events.

Tokens: a non-empty page answers the boundary after its last event (forward) and before
its first event (backward); an empty page answers the boundary it was asked about, so
a client that sent a token gets that very token back at the end of the stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from irisops.core.store import Store
from irisops.services.logs.filter_pattern import Matcher
from irisops.services.logs.ingest import EVENT_OVERHEAD_BYTES
from irisops.services.logs.tokens import Boundary, StreamToken

MAX_PAGE_EVENTS = 10_000
MAX_PAGE_BYTES = 1_048_576
#: Rows a FilterLogEvents call examines per query, and at most per call.
SCAN_BATCH = 1_000
SCAN_BUDGET = 100_000


@dataclass
class EventPage:
    events: list[dict[str, Any]]
    forward: Boundary
    backward: Boundary


def _cut_to_bytes(sizes: list[int]) -> int:
    """How many leading events fit in one page (always at least one)."""
    total = 0
    for count, size in enumerate(sizes):
        total += size + EVENT_OVERHEAD_BYTES
        if total > MAX_PAGE_BYTES and count > 0:
            return count
    return len(sizes)


async def read_stream_page(
    store: Store,
    stream_id: int,
    *,
    token: StreamToken | None,
    start_from_head: bool,
    start_time: int | None,
    end_time: int | None,
    limit: int | None,
) -> EventPage:
    where = ["stream_id = ?"]
    args: list[Any] = [stream_id]
    if token is not None:
        where.append(
            "(timestamp, id) > (?, ?)" if token.direction == "f" else "(timestamp, id) <= (?, ?)"
        )
        args += [token.boundary.timestamp, token.boundary.event_id]
    if start_time is not None:
        where.append("timestamp >= ?")
        args.append(start_time)
    if end_time is not None:
        where.append("timestamp < ?")
        args.append(end_time)
    order = "timestamp, id" if start_from_head else "timestamp DESC, id DESC"
    count = min(limit or MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)
    heads = await store.query(
        f"SELECT id, size FROM logs_events WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
        [*args, count],
    )
    heads = heads[: _cut_to_bytes([row["size"] for row in heads])]
    if not heads:
        boundary = token.boundary if token else Boundary(start_time or 0, 0)
        return EventPage([], boundary, boundary)
    rows = await store.query(
        "SELECT id, timestamp, ingestion_time, message FROM logs_events "
        "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY timestamp, id",
        [json.dumps([row["id"] for row in heads])],
    )
    events = [
        {
            "timestamp": row["timestamp"],
            "message": row["message"],
            "ingestionTime": row["ingestion_time"],
        }
        for row in rows
    ]
    if not rows:  # the stream was deleted between the two reads
        boundary = token.boundary if token else Boundary(start_time or 0, 0)
        return EventPage([], boundary, boundary)
    first, last = rows[0], rows[-1]
    return EventPage(
        events,
        forward=Boundary(last["timestamp"], last["id"]),
        backward=Boundary.before(first["timestamp"], first["id"]),
    )


def event_id(timestamp: int, stream_id: int, row_id: int) -> str:
    """A 56-digit event id, as FilterLogEvents reports them."""
    return f"{timestamp:020d}{stream_id:016d}{row_id:020d}"


@dataclass
class FilterScan:
    events: list[dict[str, Any]]
    #: Where the next call resumes ``(timestamp, id)``; None when the range is exhausted.
    resume: tuple[int, int] | None


async def scan_group(
    store: Store,
    group_id: int,
    streams: list[int] | None,
    names: dict[int, str],
    matcher: Matcher,
    *,
    ascending: bool,
    after: tuple[int, int] | None,
    start_time: int | None,
    end_time: int | None,
    limit: int | None,
) -> FilterScan:
    """Matching events of a group in ``(timestamp, id)`` order, resumable.

    ``streams`` are the ids of the streams to search, or None for every stream of the
    group; ``names`` names the streams of the group as known when the call began.
    """
    where = ["group_id = ?"]
    args: list[Any] = [group_id]
    if streams is not None:
        where.append("stream_id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(streams))
    if start_time is not None:
        where.append("timestamp >= ?")
        args.append(start_time)
    if end_time is not None:
        where.append("timestamp <= ?")
        args.append(end_time)
    order = "timestamp, id" if ascending else "timestamp DESC, id DESC"
    wanted = min(limit or MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)
    events: list[dict[str, Any]] = []
    page_bytes = 0
    position = after
    scanned = 0
    while scanned < SCAN_BUDGET:
        conds, params = list(where), list(args)
        if position is not None:
            conds.append("(timestamp, id) > (?, ?)" if ascending else "(timestamp, id) < (?, ?)")
            params += list(position)
        rows = await store.query(
            "SELECT id, stream_id, timestamp, ingestion_time, size, message FROM logs_events "
            f"WHERE {' AND '.join(conds)} ORDER BY {order} LIMIT ?",
            [*params, SCAN_BATCH],
        )
        for index, row in enumerate(rows):
            position = (row["timestamp"], row["id"])
            if not matcher(row["message"]):
                continue
            events.append(_filtered_event(store, row, names))
            page_bytes += row["size"] + EVENT_OVERHEAD_BYTES
            if len(events) >= wanted or page_bytes >= MAX_PAGE_BYTES:
                exhausted = index == len(rows) - 1 and len(rows) < SCAN_BATCH
                return FilterScan(events, None if exhausted else position)
        scanned += len(rows)
        if len(rows) < SCAN_BATCH:
            return FilterScan(events, None)
    return FilterScan(events, position)


def _filtered_event(store: Store, row: Any, names: dict[int, str]) -> dict[str, Any]:
    stream_id = row["stream_id"]
    if stream_id not in names:
        # a stream created while the scan runs
        found = store.read_one("SELECT name FROM logs_streams WHERE id = ?", (stream_id,))
        names[stream_id] = found["name"] if found else ""
    return {
        "logStreamName": names[stream_id],
        "timestamp": row["timestamp"],
        "message": row["message"],
        "ingestionTime": row["ingestion_time"],
        "eventId": event_id(row["timestamp"], stream_id, row["id"]),
    }
