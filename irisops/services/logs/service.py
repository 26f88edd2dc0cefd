"""CloudWatch Logs: log groups, log streams and their events, in SQLite.

Engines write training and build logs through :meth:`LogsService.append` (no HTTP);
clients read them back with GetLogEvents / FilterLogEvents as from AWS. Every write is
one transaction, published on the event bus once committed (``logs.EventsAppended``
lets the dashboard tail live).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from typing import Any, ClassVar

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.errors import (
    GROUP_EXISTS,
    STREAM_EXISTS,
    InvalidParameter,
    LogsValidation,
    ResourceAlreadyExists,
    TooManyTags,
    group_not_found,
    invalid_token,
    stream_not_found,
)
from irisops.services.logs.event_pages import read_stream_page, scan_group
from irisops.services.logs.filter_pattern import compile_pattern
from irisops.services.logs.ingest import DAY_MS, LogEvent, check_batch, insert_events, screen
from irisops.services.logs.schema import SCHEMA
from irisops.services.logs.tokens import (
    decode_cursor,
    decode_stream_token,
    encode_cursor,
    encode_stream_token,
)

log = logging.getLogger("irisops.logs")

DEFAULT_LIST_LIMIT = 50
MAX_TAGS = 50
RETENTION_SWEEP_SECONDS = 3600.0
#: FilterLogEvents with startFromHead=false needs a startTime on or after 2024-01-01.
DESCENDING_FILTER_EPOCH_MS = 1_704_067_200_000


def _prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """``[low, high)`` such that exactly the names starting with ``prefix`` fall inside
    (SQLite compares TEXT as UTF-8 bytes, which orders like code points)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, None
    return prefix, prefix[:-1] + chr(last + 1)


class LogsService(Service):
    name = "logs"
    schema = SCHEMA
    #: CloudWatch Logs reports constraint failures as InvalidParameterException.
    validation_error_code: ClassVar[str] = "InvalidParameterException"

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self._sweeper: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="logs-retention")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def reset(self) -> None:
        def wipe(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM logs_events")
            conn.execute("DELETE FROM logs_streams")
            conn.execute("DELETE FROM logs_groups")

        await self.store.write(wipe)

    def snapshot(self) -> dict[str, Any]:
        rows = self.store.read(
            "SELECT g.account, g.region, g.name, g.stored_bytes, g.retention_in_days, "
            "(SELECT count(*) FROM logs_streams s WHERE s.group_id = g.id) AS streams "
            "FROM logs_groups g ORDER BY g.account, g.region, g.name"
        )
        return {
            "logGroups": [
                {
                    "account": row["account"],
                    "region": row["region"],
                    "logGroupName": row["name"],
                    "streams": row["streams"],
                    "storedBytes": row["stored_bytes"],
                    "retentionInDays": row["retention_in_days"],
                }
                for row in rows
            ]
        }

    # -- internal API for engines -----------------------------------------------------

    async def append(
        self, account: str, region: str, group: str, stream: str, events: list[LogEvent]
    ) -> None:
        """Store ``(timestamp ms, message)`` events, creating the group and stream on
        demand. Events are stored in timestamp order (stable for equal timestamps); no
        PutLogEvents batch rule applies."""
        ordered = sorted(events, key=lambda event: event[0])
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> tuple[bool, bool]:
            created_group = conn.execute(
                "INSERT OR IGNORE INTO logs_groups (account, region, name, creation_time) "
                "VALUES (?, ?, ?, ?)",
                (account, region, group, now),
            ).rowcount
            group_id = self._group_id(conn, account, region, group)
            created_stream = conn.execute(
                "INSERT OR IGNORE INTO logs_streams (group_id, name, creation_time) "
                "VALUES (?, ?, ?)",
                (group_id, stream, now),
            ).rowcount
            stream_id = conn.execute(
                "SELECT id FROM logs_streams WHERE group_id = ? AND name = ?", (group_id, stream)
            ).fetchone()[0]
            insert_events(conn, group_id, stream_id, ordered, now)
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

    # -- lookups ----------------------------------------------------------------------

    @staticmethod
    def _group_id(conn: sqlite3.Connection, account: str, region: str, name: str) -> int:
        row = conn.execute(
            "SELECT id FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
            (account, region, name),
        ).fetchone()
        if row is None:
            raise group_not_found()
        return int(row[0])

    def _group_row(self, ctx: RequestContext, name: str) -> sqlite3.Row:
        row = self.store.read_one(
            "SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
            (ctx.account, ctx.region, name),
        )
        if row is None:
            raise group_not_found()
        return row

    def _group_for(self, ctx: RequestContext, params: dict[str, Any]) -> sqlite3.Row:
        """The group named by ``logGroupName`` or ``logGroupIdentifier`` (name or ARN)."""
        name = params.get("logGroupName")
        identifier = params.get("logGroupIdentifier")
        if name and identifier:
            raise LogsValidation(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters."
            )
        if identifier:
            if identifier.startswith("arn:"):
                parsed = records.group_name_from_arn(identifier)
                if parsed is None:
                    raise InvalidParameter(f"Invalid logGroupIdentifier: {identifier}")
                account, region, name = parsed
                if (account, region) != (ctx.account, ctx.region):
                    raise group_not_found()
            else:
                name = identifier
        if not name:
            # unconfirmed text
            raise InvalidParameter("Either logGroupName or logGroupIdentifier must be specified.")
        return self._group_row(ctx, name)

    def _group_for_arn(self, ctx: RequestContext, resource_arn: str) -> str:
        parsed = records.group_name_from_arn(resource_arn)
        if parsed is None:
            raise InvalidParameter(f"Invalid resourceArn: {resource_arn}")  # unconfirmed text
        account, region, name = parsed
        if (account, region) != (ctx.account, ctx.region):
            raise group_not_found()
        return name

    # -- log groups -------------------------------------------------------------------

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
                raise _deletion_protected(name)
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
            low, high = _prefix_bounds(prefix)
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
            names = [self._identifier_name(ctx, value) for value in identifiers]
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

    @staticmethod
    def _identifier_name(ctx: RequestContext, value: str) -> str | None:
        if not value.startswith("arn:"):
            return value
        parsed = records.group_name_from_arn(value)
        if parsed is None or parsed[:2] != (ctx.account, ctx.region):
            return None
        return parsed[2]

    async def put_retention_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        days = params["retentionInDays"]
        records.check_retention(days)
        await self._set_group(ctx, params["logGroupName"], "retention_in_days", days)
        self.publish(
            ctx,
            "logs.RetentionPolicyPut",
            records.group_arn(ctx.region, ctx.account, params["logGroupName"]),
            retentionInDays=days,
        )
        await self._sweep_once()
        return {}

    async def delete_retention_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        await self._set_group(ctx, params["logGroupName"], "retention_in_days", None)
        self.publish(
            ctx,
            "logs.RetentionPolicyDeleted",
            records.group_arn(ctx.region, ctx.account, params["logGroupName"]),
        )
        return {}

    async def put_log_group_deletion_protection(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = self._group_for(ctx, {"logGroupIdentifier": params["logGroupIdentifier"]})["name"]
        enabled = bool(params["deletionProtectionEnabled"])
        await self._set_group(ctx, name, "deletion_protection", int(enabled))
        self.publish(
            ctx,
            "logs.DeletionProtectionPut",
            records.group_arn(ctx.region, ctx.account, name),
            enabled=enabled,
        )
        return {}

    async def _set_group(self, ctx: RequestContext, name: str, column: str, value: Any) -> None:
        def write(conn: sqlite3.Connection) -> None:
            changed = conn.execute(
                f"UPDATE logs_groups SET {column} = ? "
                "WHERE account = ? AND region = ? AND name = ?",
                (value, ctx.account, ctx.region, name),
            ).rowcount
            if not changed:
                raise group_not_found()

        await self.store.write(write)

    # -- log streams ------------------------------------------------------------------

    async def create_log_stream(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        group, stream = params["logGroupName"], params["logStreamName"]
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> None:
            group_id = self._group_id(conn, ctx.account, ctx.region, group)
            try:
                conn.execute(
                    "INSERT INTO logs_streams (group_id, name, creation_time) VALUES (?, ?, ?)",
                    (group_id, stream, now),
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
                raise _deletion_protected(group)
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
        group = self._group_for(ctx, params)
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
            low, high = _prefix_bounds(prefix)
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

    # -- events -----------------------------------------------------------------------

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
        group = self._group_for(ctx, params)
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
        group = self._group_for(ctx, params)
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

    # -- tags -------------------------------------------------------------------------

    async def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._group_for_arn(ctx, params["resourceArn"])
        await self._change_tags(ctx, name, add=params["tags"], error=TooManyTags)
        return {}

    async def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._group_for_arn(ctx, params["resourceArn"])
        await self._change_tags(ctx, name, remove=params["tagKeys"])
        return {}

    async def list_tags_for_resource(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = self._group_for_arn(ctx, params["resourceArn"])
        return {"tags": records.load_tags(self._group_row(ctx, name))}

    async def tag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        await self._change_tags(ctx, params["logGroupName"], add=params["tags"])
        return {}

    async def untag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        await self._change_tags(ctx, params["logGroupName"], remove=params["tags"])
        return {}

    async def list_tags_log_group(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return {"tags": records.load_tags(self._group_row(ctx, params["logGroupName"]))}

    async def _change_tags(
        self,
        ctx: RequestContext,
        name: str,
        *,
        add: dict[str, str] | None = None,
        remove: list[str] | None = None,
        error: type[InvalidParameter] | type[TooManyTags] = InvalidParameter,
    ) -> None:
        def write(conn: sqlite3.Connection) -> dict[str, str]:
            row = conn.execute(
                "SELECT id, tags FROM logs_groups WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, name),
            ).fetchone()
            if row is None:
                raise group_not_found()
            tags = records.load_tags(row)
            tags.update(add or {})
            for key in remove or []:
                tags.pop(key, None)
            if len(tags) > MAX_TAGS:
                raise error(f"A resource can have no more than {MAX_TAGS} tags.")  # unconfirmed
            conn.execute(
                "UPDATE logs_groups SET tags = ? WHERE id = ?", (json.dumps(tags), row["id"])
            )
            return tags

        tags = await self.store.write(write)
        self.publish(
            ctx, "logs.LogGroupTagged", records.group_arn(ctx.region, ctx.account, name), tags=tags
        )

    # -- retention --------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self._sweep_once()
            except Exception:
                log.exception("retention sweep failed")
            await asyncio.sleep(RETENTION_SWEEP_SECONDS)

    async def _sweep_once(self) -> None:
        """Delete events older than their group's retention, as AWS expires them."""
        now = epoch_ms()

        def write(conn: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
            expired: list[tuple[str, str, str, int]] = []
            groups = conn.execute(
                "SELECT id, account, region, name, retention_in_days FROM logs_groups "
                "WHERE retention_in_days IS NOT NULL"
            ).fetchall()
            for group in groups:
                horizon = now - group["retention_in_days"] * DAY_MS
                deleted = conn.execute(
                    "DELETE FROM logs_events WHERE group_id = ? AND timestamp < ?",
                    (group["id"], horizon),
                ).rowcount
                if not deleted:
                    continue
                conn.execute(
                    "UPDATE logs_streams SET stored_bytes = (SELECT coalesce(sum(size), 0) "
                    "FROM logs_events e WHERE e.stream_id = logs_streams.id) WHERE group_id = ?",
                    (group["id"],),
                )
                conn.execute(
                    "UPDATE logs_groups SET stored_bytes = (SELECT coalesce(sum(stored_bytes), 0) "
                    "FROM logs_streams s WHERE s.group_id = logs_groups.id) WHERE id = ?",
                    (group["id"],),
                )
                expired.append((group["account"], group["region"], group["name"], deleted))
            return expired

        for account, region, name, deleted in await self.store.write(write):
            ctx = RequestContext(
                service=self.name, operation="Retention", account=account, region=region
            )
            self.publish(
                ctx, "logs.EventsExpired", records.group_arn(region, account, name), count=deleted
            )


def _deletion_protected(name: str) -> LogsValidation:
    # unconfirmed text
    return LogsValidation(
        f"Log group {name} has deletion protection enabled. Disable deletion protection "
        "before deleting it."
    )
