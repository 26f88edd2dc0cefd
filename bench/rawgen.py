"""Load generator for what wrk cannot drive: asyncio protocols on raw sockets.

wrk 4.1 parses a HEAD response as if a body followed its Content-Length and waits for
it, so HEAD requests (S3 HeadObject) are driven by this instead; it is also the fallback
where wrk is not installed. Reads a JSON spec on stdin (``request``, ``connections``,
``duration_s``, ``timeout_s``), replays the request from that many kept-alive connections
until the time is up, and prints one ``BENCH-RESULT {...}`` line shaped like the wrk
script's. Runs in its own process, never sharing an interpreter with what it measures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from array import array
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import percentile

RESULT_MARKER = "BENCH-RESULT "


def encode(request: dict) -> bytes:
    parts = urlsplit(request["url"])
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = request["body"].encode("latin-1")
    lines = [f"{request['method']} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    for key, value in request["headers"].items():
        if key.lower() not in {"host", "content-length"}:
            lines.append(f"{key}: {value}")
    if body or request["method"] in {"POST", "PUT"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def response_length(head: bytes, is_head: bool) -> int | None:
    """Bytes of body after the headers; None for a chunked body (not supported here)."""
    lower = head.lower()
    if is_head:
        return 0
    if b"\r\ntransfer-encoding: chunked" in lower:
        return None
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end if end >= 0 else None].strip())


class Stats:
    def __init__(self) -> None:
        self.latencies_us = array("d")
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter({"connect": 0, "read": 0, "write": 0, "timeout": 0})


class Client(asyncio.Protocol):
    """One kept-alive connection sending the next request as soon as a response is in."""

    def __init__(self, payload: bytes, is_head: bool, deadline: float, stats: Stats) -> None:
        self.payload = payload
        self.is_head = is_head
        self.deadline = deadline
        self.stats = stats
        self.buffer = b""
        self.sent_at = 0.0
        self.awaiting = False
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter()
        self.awaiting = True
        self.transport.write(self.payload)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end]
        length = response_length(head, self.is_head)
        if length is None:
            self.stats.errors["read"] += 1
            self.transport.close()
            return
        if len(self.buffer) < end + 4 + length:
            return
        now = time.perf_counter()
        self.awaiting = False
        self.stats.latencies_us.append((now - self.sent_at) * 1e6)
        self.stats.statuses[int(head[9:12])] += 1
        self.buffer = self.buffer[end + 4 + length :]
        if now >= self.deadline or b"\r\nconnection: close" in head.lower():
            self.transport.close()
        else:
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None or self.awaiting:
            self.stats.errors["read"] += 1
        if not self.closed.done():
            self.closed.set_result(None)


async def one_client(spec: dict, payload: bytes, deadline: float, stats: Stats) -> None:
    loop = asyncio.get_running_loop()
    parts = urlsplit(spec["request"]["url"])
    is_head = spec["request"]["method"] == "HEAD"
    while time.perf_counter() < deadline:
        try:
            _, client = await loop.create_connection(
                lambda: Client(payload, is_head, deadline, stats), parts.hostname, parts.port
            )
        except OSError:
            stats.errors["connect"] += 1
            await asyncio.sleep(0.01)
            continue
        try:
            await asyncio.wait_for(
                client.closed, max(deadline - time.perf_counter(), 0) + spec["timeout_s"]
            )
        except TimeoutError:
            stats.errors["timeout"] += 1
            assert client.transport is not None
            client.transport.abort()
            return


async def main() -> None:
    spec = json.load(sys.stdin)
    payload = encode(spec["request"])
    stats = Stats()
    started = time.perf_counter()
    deadline = started + spec["duration_s"]
    await asyncio.gather(
        *(one_client(spec, payload, deadline, stats) for _ in range(spec["connections"]))
    )
    duration_us = (time.perf_counter() - started) * 1e6
    lat = stats.latencies_us
    result = {
        "requests": len(lat),
        "duration_us": duration_us,
        "p50_us": percentile(lat, 50) if lat else 0,
        "p99_us": percentile(lat, 99) if lat else 0,
        "mean_us": sum(lat) / len(lat) if lat else 0,
        "max_us": max(lat) if lat else 0,
        "statuses": dict(stats.statuses),
        "errors": dict(stats.errors),
    }
    print(RESULT_MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
