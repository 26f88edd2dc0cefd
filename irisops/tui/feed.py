"""The one background reader of ``/_irisops/events``.

It runs in its own thread (parsing hundreds of events a second never competes with the
UI's rendering on the app's loop) and hands every event to an ``EventInbox``. When the
server cuts the stream (``event: overflow``: the reader fell behind) or the connection
drops, the inbox is told to resync (every pane re-reads its data) and the reader
subscribes again.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from irisops.tui.inbox import EventInbox

#: The server writes a heartbeat comment every 15 s: a silent minute is a dead stream.
READ_TIMEOUT_S = 60.0
RETRY_S = 1.0
READ_SIZE = 256 * 1024


class EventFeed:
    def __init__(
        self,
        endpoint_url: str,
        inbox: EventInbox,
        *,
        on_status: Callable[[str], None] | None = None,
        events_url: str | None = None,
    ) -> None:
        self.url = events_url or f"{endpoint_url.rstrip('/')}/_irisops/events"
        self.inbox = inbox
        self.on_status = on_status or (lambda status: None)
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._conn: http.client.HTTPConnection | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="irisops-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                self._read_stream(resync=not first)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if self._stopping.is_set():
                    return
                self.on_status(f"disconnected ({exc.__class__.__name__})")
            first = False
            self.connected.clear()
            self._stopping.wait(RETRY_S)

    def _read_stream(self, *, resync: bool) -> None:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=READ_TIMEOUT_S
        )
        self._conn = conn
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", path, headers={"Accept": "text/event-stream"})
            response = conn.getresponse()
            if response.status != 200:
                raise http.client.HTTPException(f"HTTP {response.status}")
            self._consume(response, resync=resync)
        finally:
            self._conn = None
            conn.close()

    def _consume(self, response: http.client.HTTPResponse, *, resync: bool) -> None:
        """Read what the socket has (``read1``), parse every complete event in it and
        hand them to the inbox at once: one lock per read, not per event."""
        pending = b""
        while not self._stopping.is_set():
            chunk = response.read1(READ_SIZE)
            if not chunk:
                self.on_status("stream closed")
                self.inbox.resync()
                return
            *blocks, pending = (pending + chunk).split(b"\n\n")
            events: list[dict[str, Any]] = []
            for block in blocks:
                kind, data = _fields(block)
                if kind == "banner":
                    self.connected.set()
                    self.on_status("live")
                    if resync:
                        self.inbox.resync()
                elif kind == "overflow":
                    self.inbox.put_many(events)
                    self.on_status("fell behind: re-reading")
                    self.inbox.resync()
                    return
                elif data:
                    events.append(json.loads(data))
            if events:
                self.inbox.put_many(events)


def _fields(block: bytes) -> tuple[str, bytes]:
    """(event kind, data) of one SSE block; kind "banner" for the stream's banner."""
    kind, data = "", []
    for line in block.split(b"\n"):
        if line.startswith(b":"):
            if line.startswith(b": irisops events"):
                return "banner", b""
            continue
        field, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if field == b"event":
            kind = value.decode()
        elif field == b"data":
            data.append(value)
    return kind, b"\n".join(data)
