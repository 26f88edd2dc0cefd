"""Training, processing and transform jobs in one table: the Describe document as JSON (timestamps
as epoch seconds) plus the columns that lookups, listings and reconciliation need."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from irisops.core.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS sagemaker_jobs (
    arn TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    container_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sagemaker_jobs_by_kind
    ON sagemaker_jobs (account, region, kind, created);
CREATE INDEX IF NOT EXISTS sagemaker_jobs_by_status ON sagemaker_jobs (status);
"""

TRAINING = "training-job"
PROCESSING = "processing-job"
TRANSFORM = "transform-job"
#: The document keys of each kind's name, status and modified time.
STATUS_KEY = {
    TRAINING: "TrainingJobStatus",
    PROCESSING: "ProcessingJobStatus",
    TRANSFORM: "TransformJobStatus",
}
NAME_KEY = {
    TRAINING: "TrainingJobName",
    PROCESSING: "ProcessingJobName",
    TRANSFORM: "TransformJobName",
}


def plain(value: Any) -> Any:
    """Request values as JSON can hold them (datetimes as epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def insert_job(conn: sqlite3.Connection, kind: str, account: str, region: str, doc: dict) -> None:
    arn = doc[f"{NAME_KEY[kind].removesuffix('Name')}Arn"]
    conn.execute(
        "INSERT INTO sagemaker_jobs (arn, kind, account, region, name, status, created, "
        "modified, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            arn,
            kind,
            account,
            region,
            doc[NAME_KEY[kind]],
            doc[STATUS_KEY[kind]],
            doc["CreationTime"],
            doc["LastModifiedTime"],
            json.dumps(doc),
        ),
    )


async def update_job(
    store: Store, kind: str, arn: str, doc: dict[str, Any], container_id: str | None
) -> None:
    def write(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE sagemaker_jobs SET status = ?, modified = ?, container_id = ?, doc = ? "
            "WHERE arn = ?",
            (doc[STATUS_KEY[kind]], doc["LastModifiedTime"], container_id, json.dumps(doc), arn),
        )

    await store.write(write)


def job_row(store: Store, arn: str) -> sqlite3.Row | None:
    return store.read_one("SELECT * FROM sagemaker_jobs WHERE arn = ?", (arn,))


def job_doc(store: Store, arn: str) -> dict[str, Any] | None:
    row = job_row(store, arn)
    return json.loads(row["doc"]) if row is not None else None
