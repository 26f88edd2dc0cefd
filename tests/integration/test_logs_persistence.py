"""Acknowledged log events survive a SIGKILL of the server."""

from __future__ import annotations

import time
from pathlib import Path

from irisops.sdk.server import ServerProcess


def test_events_survive_sigkill(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        logs = server.client("logs")
        logs.create_log_group(logGroupName="/aws/codebuild/p")
        logs.create_log_stream(logGroupName="/aws/codebuild/p", logStreamName="build-1")
        start = int(time.time() * 1000) - 10_000
        for batch in range(5):
            logs.put_log_events(
                logGroupName="/aws/codebuild/p",
                logStreamName="build-1",
                logEvents=[
                    {"timestamp": start + batch * 100 + i, "message": f"b{batch} line {i}"}
                    for i in range(20)
                ],
            )
        before = logs.get_log_events(
            logGroupName="/aws/codebuild/p", logStreamName="build-1", startFromHead=True, limit=60
        )
        (group_before,) = logs.describe_log_groups()["logGroups"]
        server.kill()

        server = ServerProcess(tmp_path / "data").start()
        logs = server.client("logs")
        after = logs.get_log_events(
            logGroupName="/aws/codebuild/p", logStreamName="build-1", startFromHead=True, limit=60
        )
        assert after["events"] == before["events"]
        assert len(after["events"]) == 60
        # A token handed out before the crash still pages on from where it left off.
        rest = logs.get_log_events(
            logGroupName="/aws/codebuild/p",
            logStreamName="build-1",
            startFromHead=True,
            nextToken=before["nextForwardToken"],
        )
        assert [e["message"] for e in rest["events"]] == [
            f"b{b} line {i}" for b in range(3, 5) for i in range(20)
        ]
        (group_after,) = logs.describe_log_groups()["logGroups"]
        assert group_after["storedBytes"] == group_before["storedBytes"] > 0
        (stream,) = logs.describe_log_streams(logGroupName="/aws/codebuild/p")["logStreams"]
        assert stream["lastEventTimestamp"] == start + 400 + 19
    finally:
        server.stop()
