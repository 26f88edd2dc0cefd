"""The last lines of a job's, endpoint's or build's CloudWatch log, for error messages."""

from __future__ import annotations

import asyncio
from typing import Any

DEFAULT_LINES = 20
#: How CodeBuild's agent logs the end of a phase that failed.
FAILED_PHASE = "State: FAILED"


def read_tail(
    logs: Any, group: str, stream_prefix: str = "", lines: int = DEFAULT_LINES
) -> list[str]:
    """The last ``lines`` messages of the streams of ``group`` whose names start with
    ``stream_prefix`` (the newest streams last); [] when there is no such log."""
    try:
        params: dict[str, Any] = {"logGroupName": group}
        if stream_prefix:
            params["logStreamNamePrefix"] = stream_prefix
        streams = logs.describe_log_streams(**params)["logStreams"]
    except Exception:
        return []
    streams.sort(key=lambda s: s.get("lastEventTimestamp") or s.get("creationTime") or 0)
    messages: list[str] = []
    for stream in streams[-3:]:
        try:
            events = logs.get_log_events(
                logGroupName=group,
                logStreamName=stream["logStreamName"],
                startFromHead=False,
                limit=lines,
            )["events"]
        except Exception:
            continue
        messages += [str(event["message"]).rstrip("\n") for event in events]
    return messages[-lines:]


def up_to_first_failure(lines: list[str], count: int = DEFAULT_LINES) -> list[str]:
    """The ``count`` lines that end with a build's first failed phase (what went wrong,
    not the phases that ran after it); the last ``count`` when no phase failed."""
    for index, line in enumerate(lines):
        if FAILED_PHASE in line:
            return lines[max(0, index + 1 - count) : index + 1]
    return lines[-count:]


async def log_tail(
    logs: Any, group: str, stream_prefix: str = "", lines: int = DEFAULT_LINES
) -> list[str]:
    return await asyncio.to_thread(read_tail, logs, group, stream_prefix, lines)
