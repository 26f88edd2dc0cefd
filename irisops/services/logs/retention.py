"""Retention policies, and the sweep that expires events past them as AWS does."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.logs import records
from irisops.services.logs.ingest import DAY_MS
from irisops.services.logs.lookups import update_group

log = logging.getLogger("irisops.logs")

SWEEP_INTERVAL_SECONDS = 3600.0


class RetentionOperations(Service):
    async def put_retention_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        days = params["retentionInDays"]
        records.check_retention(days)
        await update_group(self.store, ctx, params["logGroupName"], "retention_in_days", days)
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
        await update_group(self.store, ctx, params["logGroupName"], "retention_in_days", None)
        self.publish(
            ctx,
            "logs.RetentionPolicyDeleted",
            records.group_arn(ctx.region, ctx.account, params["logGroupName"]),
        )
        return {}

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self._sweep_once()
            except Exception:
                log.exception("retention sweep failed")
            await asyncio.sleep(SWEEP_INTERVAL_SECONDS)

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
