"""Log event operations: PutLogEvents, GetLogEvents, FilterLogEvents, and
:meth:`append`, the engines' way in without HTTP."""

from __future__ import annotations

import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.errors import InvalidParameter, group_not_found, stream_not_found
from irisops.services.logs.event_pages import read_stream_page, scan_group
from irisops.services.logs.filter_pattern import compile_pattern
from irisops.services.logs.ingest import LogEvent, check_batch, insert_events, screen
from irisops.services.logs.lookups import group_for, group_id
from irisops.services.logs.tokens import (
    decode_cursor,
    decode_stream_token,
    encode_cursor,
    encode_stream_token,
)

#: FilterLogEvents with startFromHead=false needs a startTime on or after 2024-01-01.
DESCENDING_FILTER_EPOCH_MS = 1_704_067_200_000


class LogEventOperations(Service):
    async def append(
        self, account: str, region: str, group: str, stream: str, events: list[LogEvent]
    ) -> None:
        """Store ``(timestamp ms, message)`` events, creating the group and stream on
        demand. Events are stored in timestamp order (stable for equal timestamps); no
        PutLogEvents batch rule applies. Raises ValueError for a negative timestamp."""
        ordered = sorted(events, key=lambda event: event[0])
        if ordered and ordered[0][0] < 0:
            raise ValueError(f"log event timestamps are epoch milliseconds >= 0: {ordered[0][0]}")
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[bool, bool]:
            created_group = conn.execute(
                "INSERT OR IGNORE INTO logs_groups (account, region, name, creation_time) "
                "VALUES (?, ?, ?, ?)",
                (account, region, group, now),
            ).rowcount
            gid = group_id(conn, account, region, group)
            created_stream = conn.execute(
                "INSERT OR IGNORE INTO logs_streams (group_id, name, creation_time) "
                "VALUES (?, ?, ?)",
                (gid, stream, now),
            ).rowcount
            stream_id = conn.execute(
                "SELECT id FROM logs_streams WHERE group_id = ? AND name = ?", (gid, stream)
            ).fetchone()[0]
            insert_events(conn, gid, stream_id, ordered, now)
            return bool(created_group), bool(created_stream)

        created_group, created_stream = await self.store.write(write)
        ctx = RequestContext(service=self.name, operation="Append", account=account, region=region)
        if created_group:
            self.publish(ctx, "logs.LogGroupCreated", records.group_arn(region, account, group))
        if created_stream:
            self.publish(
                ctx,
                "logs.LogStreamCreated",
                records.stream_arn(region, account, group, stream),
                group=group,
                stream=stream,
            )
        if ordered:
            self._publish_append(ctx, group, stream, len(ordered))

    def _publish_append(self, ctx: RequestContext, group: str, stream: str, count: int) -> None:
        self.publish(
            ctx,
            "logs.EventsAppended",
            records.stream_arn(ctx.region, ctx.account, group, stream),
            group=group,
            stream=stream,
            count=count,
        )

    async def put_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group, stream = params["logGroupName"], params["logStreamName"]
        events: list[LogEvent] = [(e["timestamp"], e["message"]) for e in params["logEvents"]]
        check_batch(events)
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[int, dict[str, int], int]:
            row = conn.execute(
                "SELECT id, retention_in_days FROM logs_groups "
                "WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, group),
            ).fetchone()
            if row is None:
                raise group_not_found()
            found = conn.execute(
                "SELECT id FROM logs_streams WHERE group_id = ? AND name = ?", (row["id"], stream)
            ).fetchone()
            if found is None:
                raise stream_not_found()
            screened = screen(events, now, row["retention_in_days"])
            sequence = insert_events(conn, row["id"], found["id"], screened.accepted, now)
            return sequence, screened.rejected, len(screened.accepted)

        sequence, rejected, stored = await self.store.write(write)
        if stored:
            self._publish_append(ctx, group, stream, stored)
        out: dict[str, Any] = {"nextSequenceToken": records.sequence_token(sequence)}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    async def get_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group = group_for(self.store, ctx, params)
        stream = self.store.read_one(
            "SELECT id FROM logs_streams WHERE group_id = ? AND name = ?",
            (group["id"], params["logStreamName"]),
        )
        if stream is None:
            raise stream_not_found()
        token = params.get("nextToken")
        decoded = decode_stream_token(token, stream["id"]) if token else None
        page = await read_stream_page(
            self.store,
            stream["id"],
            token=decoded,
            start_from_head=bool(params.get("startFromHead", False)),
            start_time=params.get("startTime"),
            end_time=params.get("endTime"),
            limit=params.get("limit"),
        )
        return {
            "events": page.events,
            "nextForwardToken": encode_stream_token("f", stream["id"], page.forward),
            "nextBackwardToken": encode_stream_token("b", stream["id"], page.backward),
        }

    async def filter_log_events(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        group = group_for(self.store, ctx, params)
        names_filter = params.get("logStreamNames")
        prefix = params.get("logStreamNamePrefix")
        if names_filter and prefix:
            # unconfirmed text
            raise InvalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
        start_time = params.get("startTime")
        ascending = bool(params.get("startFromHead", True))
        matcher = compile_pattern(params.get("filterPattern"))
        after: tuple[int, int] | None = None
        token = params.get("nextToken")
        if token:
            cursor = decode_cursor(token, f"filter:{group['id']}", 3)
            if cursor is None or not all(isinstance(value, int) for value in cursor):
                # An unusable token yields an empty page, as moto observed of AWS.
                return {"events": [], "searchedLogStreams": []}
            ascending = bool(cursor[0])
            after = (cursor[1], cursor[2])
        elif not ascending and start_time is not None and start_time < DESCENDING_FILTER_EPOCH_MS:
            raise InvalidParameter(  # unconfirmed text
                "startFromHead=false is supported only with a startTime on or after "
                "Jan 1, 2024 00:00:00 UTC."
            )
        stream_rows = await self.store.query(
            "SELECT id, name FROM logs_streams WHERE group_id = ?", (group["id"],)
        )
        names = {row["id"]: row["name"] for row in stream_rows}
        streams: list[int] | None = None
        if names_filter:
            wanted = set(names_filter)
            streams = [sid for sid, name in names.items() if name in wanted]
        elif prefix:
            streams = [sid for sid, name in names.items() if name.startswith(prefix)]
        if streams == []:
            return {"events": [], "searchedLogStreams": []}
        scan = await scan_group(
            self.store,
            group["id"],
            streams,
            names,
            matcher,
            ascending=ascending,
            after=after,
            start_time=start_time,
            end_time=params.get("endTime"),
            limit=params.get("limit"),
        )
        # searchedLogStreams is no longer supported by AWS and is always empty.
        out: dict[str, Any] = {"events": scan.events, "searchedLogStreams": []}
        if scan.resume is not None:
            out["nextToken"] = encode_cursor(f"filter:{group['id']}", int(ascending), *scan.resume)
        return out
