"""The last lines of a job's, endpoint's or build's CloudWatch log, for error messages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import aiohttp

from irisops.sdk.events import Event, EventFilter, EventsOverflowed
from irisops.sdk.watch import watch

if TYPE_CHECKING:
    from irisops.sdk.stack import Stack

DEFAULT_LINES = 20
#: How CodeBuild's agent logs the end of a phase that failed, and of the build.
FAILED_PHASE = "State: FAILED"
BUILD_COMPLETED = "Build completed:"
#: A build's or job's status is final a moment before its last log lines are stored:
#: wait at most this long for them, and for a job, until none came for LOG_QUIET_S.
LOG_SETTLE_S = 5.0
LOG_QUIET_S = 1.0


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


async def build_log_tail(stack: Stack, group: str, stream: str) -> list[str]:
    """The lines of a finished build's log up to its first failed phase. The build's
    last lines reach CloudWatch Logs a moment after its final status: wait (on the
    ``logs.EventsAppended`` events of its stream, at most a few seconds) for the
    agent's ``Build completed`` line."""
    logs = stack.client("logs")

    async def complete(event: Event | None) -> list[str] | None:
        lines = await log_tail(logs, group, stream, 500)
        return lines if any(BUILD_COMPLETED in line for line in lines[-5:]) else None

    appended = EventFilter(
        service="logs",
        type="logs.EventsAppended",
        where=lambda e: (e.detail.get("group"), e.detail.get("stream")) == (group, stream),
    )
    try:
        async with asyncio.timeout(LOG_SETTLE_S):
            lines = await watch(stack, appended, complete)
    except TimeoutError:
        lines = await log_tail(logs, group, stream, 500)
    return up_to_first_failure(lines)


async def settled_log_tail(
    stack: Stack, group: str, stream_prefix: str, lines: int = DEFAULT_LINES
) -> list[str]:
    """The last lines of a job's or endpoint's log once its last lines are stored: the
    ``logs.EventsAppended`` events of its streams are followed until none came for
    :data:`LOG_QUIET_S` (at most :data:`LOG_SETTLE_S`), then the log is read. A job
    has no closing line to wait for, unlike a build."""

    def ours(event: Event) -> bool:
        stream = str(event.detail.get("stream", ""))
        return event.detail.get("group") == group and stream.startswith(stream_prefix)

    appended = EventFilter(service="logs", type="logs.EventsAppended", where=ours)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOG_SETTLE_S
    try:
        async with stack.events(appended) as events:
            while (remaining := deadline - loop.time()) > 0:
                try:
                    await events.next(timeout=min(LOG_QUIET_S, remaining))
                except TimeoutError:
                    break  # quiet: the log is complete
    except (EventsOverflowed, ConnectionError, aiohttp.ClientError):
        pass  # the lines stored so far are still worth showing
    return await log_tail(stack.client("logs"), group, stream_prefix, lines)
