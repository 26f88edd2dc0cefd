"""CloudWatch Logs: log groups, log streams and their events, in SQLite.

Engines write training and build logs through :meth:`LogsService.append` (no HTTP);
clients read them back with GetLogEvents / FilterLogEvents as from AWS. Every write is
one transaction, published on the event bus once committed (``logs.EventsAppended``
lets the dashboard tail live).

The operations live in one mixin per area (groups, streams, events, tags, retention),
all sharing the store through :class:`~irisops.services.base.Service`; this class adds
the lifecycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any, ClassVar

from irisops.core.runtime import Runtime
from irisops.services.logs.events import LogEventOperations
from irisops.services.logs.groups import LogGroupOperations
from irisops.services.logs.retention import RetentionOperations
from irisops.services.logs.schema import SCHEMA
from irisops.services.logs.streams import LogStreamOperations
from irisops.services.logs.tags import LogTagOperations


class LogsService(
    LogGroupOperations,
    LogStreamOperations,
    LogEventOperations,
    LogTagOperations,
    RetentionOperations,
):
    name = "logs"
    schema = SCHEMA
    #: CloudWatch Logs reports constraint failures as InvalidParameterException.
    validation_error_code: ClassVar[str] = "InvalidParameterException"

    def __init__(self, runtime: Runtime) -> None:
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
