"""The feed's thread against a real server: events caused after the banner all arrive,
and a server that goes away and comes back makes the panes re-read (resync)."""

from __future__ import annotations

import time
from pathlib import Path

from irisops.sdk.server import ServerProcess
from irisops.tui.feed import EventFeed
from irisops.tui.inbox import Batch, EventInbox


def drain(inbox: EventInbox, until: float, want: int) -> Batch:
    total = Batch()
    while time.monotonic() < until and total.events < want:
        batch = inbox.take()
        if batch:
            total.events += batch.events
            total.resync |= batch.resync
            total.topics |= batch.topics
            total.log_streams |= batch.log_streams
        time.sleep(0.02)
    return total


def test_every_event_after_the_banner_arrives(clean_server: ServerProcess) -> None:
    inbox = EventInbox()
    statuses: list[str] = []
    feed = EventFeed(clean_server.url, inbox, on_status=statuses.append)
    feed.start()
    try:
        assert feed.connected.wait(10)
        logs = clean_server.client("logs")
        logs.create_log_group(logGroupName="g")
        logs.create_log_stream(logGroupName="g", logStreamName="s")
        for n in range(50):
            logs.put_log_events(
                logGroupName="g",
                logStreamName="s",
                logEvents=[{"timestamp": int(time.time() * 1000), "message": f"line {n}"}],
            )
        clean_server.client("ecr").create_repository(repositoryName="fed")
        # group created + stream created + 50 appends + repository created
        got = drain(inbox, time.monotonic() + 20, 53)
        assert got.events == 53
        assert ("g", "s") in got.log_streams
        assert "registry" in got.topics
        assert statuses[0] == "live"
    finally:
        feed.stop()
    assert not feed._thread or not feed._thread.is_alive()


def test_a_restarted_server_makes_the_panes_re_read(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    inbox = EventInbox()
    feed = EventFeed(server.url, inbox)
    feed.start()
    try:
        assert feed.connected.wait(10)
        assert inbox.take() is None
        port = server.port
        server.kill()
        server = ServerProcess(tmp_path / "data", port=port).start()
        deadline = time.monotonic() + 30
        batch = None
        while batch is None or not batch.resync:
            assert time.monotonic() < deadline, "no resync after the server came back"
            time.sleep(0.05)
            batch = inbox.take() or batch
        assert feed.connected.wait(10)
    finally:
        feed.stop()
        server.stop()
