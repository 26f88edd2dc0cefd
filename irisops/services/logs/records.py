"""Log groups and streams as the API describes them, and their ARNs."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.arns import arn, parse_arn
from irisops.services.logs.errors import InvalidParameter

RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip


def group_arn(region: str, account: str, name: str) -> str:
    """The log group ARN without the trailing ``:*`` (``logGroupArn``, tagging)."""
    return arn("logs", region, account, f"log-group:{name}")


def stream_arn(region: str, account: str, group: str, stream: str) -> str:
    return arn("logs", region, account, f"log-group:{group}:log-stream:{stream}")


def group_name_from_arn(value: str) -> tuple[str, str, str] | None:
    """``(account, region, name)`` of a log group ARN (with or without ``:*``)."""
    parts = parse_arn(value)
    if parts is None or parts["service"] != "logs":
        return None
    resource = parts["resource"]
    if not resource.startswith("log-group:"):
        return None
    name = resource.removeprefix("log-group:").removesuffix(":*")
    if not name or ":" in name:
        return None
    return parts["account"], parts["region"], name


def check_retention(days: int) -> None:
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise InvalidParameter(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{allowed}]"
        )


def describe_group(row: sqlite3.Row, *, brief: bool = False) -> dict[str, Any]:
    """A ``LogGroup``; ``brief`` is the reduced form DescribeLogGroups gives for a
    ``logGroupNamePattern`` query (name, ARN and creation time only)."""
    plain_arn = group_arn(row["region"], row["account"], row["name"])
    out: dict[str, Any] = {
        "logGroupName": row["name"],
        "creationTime": row["creation_time"],
        "arn": f"{plain_arn}:*",
    }
    if brief:
        return out
    if row["retention_in_days"] is not None:
        out["retentionInDays"] = row["retention_in_days"]
    out["metricFilterCount"] = 0
    out["storedBytes"] = row["stored_bytes"]
    if row["kms_key_id"]:
        out["kmsKeyId"] = row["kms_key_id"]
    out["logGroupClass"] = row["log_group_class"]
    out["logGroupArn"] = plain_arn
    out["deletionProtectionEnabled"] = bool(row["deletion_protection"])
    return out


def describe_stream(row: sqlite3.Row, region: str, account: str, group: str) -> dict[str, Any]:
    """A ``LogStream``. ``storedBytes`` is always 0, as AWS has reported for streams
    since June 2019 (the group's ``storedBytes`` is maintained)."""
    out: dict[str, Any] = {"logStreamName": row["name"], "creationTime": row["creation_time"]}
    if row["first_event_timestamp"] is not None:
        out["firstEventTimestamp"] = row["first_event_timestamp"]
        out["lastEventTimestamp"] = row["last_event_timestamp"]
        out["lastIngestionTime"] = row["last_ingestion_time"]
    out["uploadSequenceToken"] = sequence_token(row["upload_sequence"])
    out["arn"] = stream_arn(region, account, group, row["name"])
    out["storedBytes"] = 0
    return out


def sequence_token(counter: int) -> str:
    """PutLogEvents sequence tokens: accepted and ignored, but still handed out."""
    return f"{counter + 1:056d}"


def load_tags(row: sqlite3.Row) -> dict[str, str]:
    tags: dict[str, str] = json.loads(row["tags"])
    return tags
