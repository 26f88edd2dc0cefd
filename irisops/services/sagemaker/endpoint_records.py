"""The endpoints table and the writes both the API and the endpoint supervisor make.

``deployment`` is what serves (or last tried to), ``pending`` what a Create or Update
is deploying: a JSON document ``{"id", "config_name", "variants": [...]}`` resolved from
the endpoint config and its models when the call was made, so a config or model deleted
later does not change what the endpoint runs (as on SageMaker).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from irisops.core.clock import epoch_ms

SCHEMA = """
CREATE TABLE IF NOT EXISTS sagemaker_endpoints (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    config_name TEXT NOT NULL,
    status TEXT NOT NULL,
    failure_reason TEXT,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    deployment TEXT,
    pending TEXT,
    PRIMARY KEY (account, region, name)
);
"""

CREATING = "Creating"
UPDATING = "Updating"
IN_SERVICE = "InService"
FAILED = "Failed"
DELETING = "Deleting"


@dataclass
class EndpointRecord:
    account: str
    region: str
    name: str
    arn: str
    config_name: str
    status: str
    failure_reason: str | None
    created_ms: int
    modified_ms: int
    deployment: dict[str, Any] | None
    pending: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> EndpointRecord:
        return cls(
            account=row["account"],
            region=row["region"],
            name=row["name"],
            arn=row["arn"],
            config_name=row["config_name"],
            status=row["status"],
            failure_reason=row["failure_reason"],
            created_ms=row["created_ms"],
            modified_ms=row["modified_ms"],
            deployment=json.loads(row["deployment"]) if row["deployment"] else None,
            pending=json.loads(row["pending"]) if row["pending"] else None,
        )


def load(conn: sqlite3.Connection, arn: str) -> EndpointRecord | None:
    row = conn.execute("SELECT * FROM sagemaker_endpoints WHERE arn = ?", (arn,)).fetchone()
    return EndpointRecord.from_row(row) if row is not None else None


_UNSET: Any = object()


def save(
    conn: sqlite3.Connection,
    arn: str,
    *,
    status: str | None = None,
    failure_reason: str | None = _UNSET,
    config_name: str | None = None,
    deployment: dict[str, Any] | None = _UNSET,
    pending: dict[str, Any] | None = _UNSET,
) -> bool:
    """Inside a write: change the given columns and LastModifiedTime; False when the
    endpoint is gone."""
    sets = ["modified_ms = ?"]
    args: list[Any] = [epoch_ms()]
    if status is not None:
        sets.append("status = ?")
        args.append(status)
    if config_name is not None:
        sets.append("config_name = ?")
        args.append(config_name)
    if failure_reason is not _UNSET:
        sets.append("failure_reason = ?")
        args.append(failure_reason)
    for column, value in (("deployment", deployment), ("pending", pending)):
        if value is not _UNSET:
            sets.append(f"{column} = ?")
            args.append(json.dumps(value) if value is not None else None)
    changed = conn.execute(
        f"UPDATE sagemaker_endpoints SET {', '.join(sets)} WHERE arn = ?", (*args, arn)
    ).rowcount
    return bool(changed)
