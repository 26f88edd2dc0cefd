"""Accepting log events: PutLogEvents' batch rules and the one-transaction write.

Batch rules (PutLogEvents in the CloudWatch Logs API reference): events in
chronological order or the whole request fails; at most 10,000 events and 1,048,576
bytes counted as UTF-8 message bytes plus 26 per event; events more than 14 days old
(or older than the group's retention) and more than 2 hours in the future are rejected
while the rest are stored; the stored events may not span more than 24 hours.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from irisops.services.logs.errors import InvalidParameter

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
DAY_MS = 24 * 3600 * 1000
MAX_AGE_MS = 14 * DAY_MS
MAX_FUTURE_MS = 2 * 3600 * 1000
MAX_SPAN_MS = DAY_MS

#: (timestamp ms, message)
LogEvent = tuple[int, str]


@dataclass
class Screened:
    """The events a PutLogEvents request stores and the indexes it reports rejected.

    The indexes are those of ``RejectedLogEventsInfo``: ``tooOldLogEventEndIndex`` and
    ``expiredLogEventEndIndex`` are exclusive ends of leading runs, and
    ``tooNewLogEventStartIndex`` the inclusive start of the trailing run.
    """

    accepted: list[LogEvent]
    rejected: dict[str, int] = field(default_factory=dict)


def check_batch(events: Sequence[LogEvent]) -> None:
    """Rules that fail the whole request, checked before anything is looked up."""
    if len(events) > MAX_BATCH_EVENTS:
        raise InvalidParameter(
            f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BATCH_EVENTS}"
        )
    for previous, current in itertools.pairwise(events):
        if current[0] < previous[0]:
            raise InvalidParameter(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
    size = sum(len(message.encode()) + EVENT_OVERHEAD_BYTES for _, message in events)
    if size > MAX_BATCH_BYTES:
        # Text as real CloudWatch Logs ingestion reports it (unconfirmed for this call).
        raise InvalidParameter(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")


def screen(events: Sequence[LogEvent], now_ms: int, retention_days: int | None) -> Screened:
    """Split a chronological batch into stored and rejected events."""
    too_old_end = 0
    while too_old_end < len(events) and events[too_old_end][0] < now_ms - MAX_AGE_MS:
        too_old_end += 1
    expired_end = too_old_end
    if retention_days is not None:
        horizon = now_ms - retention_days * DAY_MS
        while expired_end < len(events) and events[expired_end][0] < horizon:
            expired_end += 1
    too_new_start = len(events)
    while too_new_start > expired_end and events[too_new_start - 1][0] > now_ms + MAX_FUTURE_MS:
        too_new_start -= 1
    result = Screened(list(events[expired_end:too_new_start]))
    if too_old_end:
        result.rejected["tooOldLogEventEndIndex"] = too_old_end
    if expired_end > too_old_end:
        result.rejected["expiredLogEventEndIndex"] = expired_end
    if too_new_start < len(events):
        result.rejected["tooNewLogEventStartIndex"] = too_new_start
    if result.accepted and result.accepted[-1][0] - result.accepted[0][0] > MAX_SPAN_MS:
        raise InvalidParameter(
            "The batch of log events in a single PutLogEvents request cannot span more than "
            "24 hours."
        )
    return result


def insert_events(
    conn: sqlite3.Connection,
    group_id: int,
    stream_id: int,
    events: Sequence[LogEvent],
    ingestion_ms: int,
) -> int:
    """Store events and keep the stream's and group's counters; returns the new upload
    sequence of the stream. Runs inside the caller's transaction."""
    stored = 0
    if events:
        rows = []
        for timestamp, message in events:
            size = len(message.encode())
            stored += size
            rows.append((stream_id, group_id, timestamp, ingestion_ms, size, message))
        conn.executemany(
            "INSERT INTO logs_events (stream_id, group_id, timestamp, ingestion_time, size, "
            "message) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        first = min(timestamp for timestamp, _ in events)
        last = max(timestamp for timestamp, _ in events)
        conn.execute(
            "UPDATE logs_streams SET "
            "first_event_timestamp = min(coalesce(first_event_timestamp, ?), ?), "
            "last_event_timestamp = max(coalesce(last_event_timestamp, ?), ?), "
            "last_ingestion_time = ?, stored_bytes = stored_bytes + ? WHERE id = ?",
            (first, first, last, last, ingestion_ms, stored, stream_id),
        )
        conn.execute(
            "UPDATE logs_groups SET stored_bytes = stored_bytes + ? WHERE id = ?",
            (stored, group_id),
        )
    conn.execute(
        "UPDATE logs_streams SET upload_sequence = upload_sequence + 1 WHERE id = ?",
        (stream_id,),
    )
    row = conn.execute(
        "SELECT upload_sequence FROM logs_streams WHERE id = ?", (stream_id,)
    ).fetchone()
    return int(row[0])
