"""A minimal HTTP/1.1 client for one instance's ``/invocations``: a pool of kept-alive
connections, one request in flight on each, the answer read whole.

The proxy's cost per invocation is what the server spends on it, and a general client
(aiohttp's) costs several times more CPU per request than the protocol needs here: one
known peer on 127.0.0.1, requests we write ourselves, answers of at most 6 MB (the
InvokeEndpoint limit) with Content-Length or chunked framing.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

MAX_HEAD = 64 * 1024
MAX_BODY = 6291456 + 1024


class InstanceUnreachable(ConnectionError):
    """The connection failed or closed before a whole answer came."""


class BadAnswer(Exception):
    """The container answered something that is not HTTP/1.x."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.reusable = True
        self._head: tuple[int, dict[str, str], int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(InstanceUnreachable(str(exc or "connection closed")))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        try:
            answer = self._parse()
        except BadAnswer as exc:
            self.reusable = False
            self.waiter.set_exception(exc)
            return
        if answer is not None:
            self.waiter.set_result(answer)

    def _parse(self) -> Answer | None:
        if self._head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise BadAnswer("response head too long")
                return None
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            del self.buffer[: end + 4]
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
                raise BadAnswer(f"not an HTTP answer: {lines[0][:80]!r}")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            if headers.get("connection", "").lower() == "close" or parts[0] == "HTTP/1.0":
                self.reusable = False
            if "chunked" in headers.get("transfer-encoding", "").lower():
                length = -1
            elif "content-length" in headers:
                length = int(headers["content-length"])
            else:
                length = -2  # until the connection closes: not supported on keep-alive
                raise BadAnswer("answer without Content-Length or chunked framing")
            if length > MAX_BODY:
                raise BadAnswer("answer larger than 6 MB")
            self._head = (int(parts[1]), headers, length)
        status, headers, length = self._head
        if length >= 0:
            if len(self.buffer) < length:
                return None
            body = bytes(self.buffer[:length])
            del self.buffer[:length]
        else:
            decoded = self._dechunk()
            if decoded is None:
                return None
            body = decoded
        self._head = None
        return Answer(status, headers, body)

    def _dechunk(self) -> bytes | None:
        """The whole chunked body once it has arrived (consumed from the buffer)."""
        out = bytearray()
        at = 0
        buf = self.buffer
        while True:
            end = buf.find(b"\r\n", at)
            if end < 0:
                return None
            try:
                size = int(bytes(buf[at:end]).split(b";", 1)[0], 16)
            except ValueError as exc:
                raise BadAnswer("bad chunk size") from exc
            if size == 0:
                # "0\r\n" then optional trailer lines, then an empty line.
                trailer_end = buf.find(b"\r\n\r\n", end)
                if trailer_end < 0:
                    return None
                del buf[: trailer_end + 4]
                return bytes(out)
            start = end + 2
            if len(buf) < start + size + 2:
                return None
            out += buf[start : start + size]
            if len(out) > MAX_BODY:
                raise BadAnswer("answer larger than 6 MB")
            at = start + size + 2


class InstanceClient:
    """Requests to one ``127.0.0.1:PORT``, over a pool of kept-alive connections."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host_header = f"Host: 127.0.0.1:{port}\r\n"
        # Kept, not looked up per request: asyncio.get_running_loop() is a getpid() call.
        self.loop = asyncio.get_running_loop()
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()

    async def _connect(self) -> _Connection:
        try:
            _, conn = await self.loop.create_connection(_Connection, "127.0.0.1", self.port)
        except OSError as exc:
            raise InstanceUnreachable(str(exc)) from exc
        self._all.add(conn)
        return conn

    async def post(
        self, path: str, headers: dict[str, str], body: bytes, deadline_s: float
    ) -> Answer:
        head = (
            f"POST {path} HTTP/1.1\r\n{self.host_header}Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        ).encode("latin-1")
        data = head + body if len(body) < 65536 else None
        while self._idle:
            conn = self._idle.pop()
            if conn.closed:
                self._all.discard(conn)
                continue
            try:
                return await self._exchange(conn, head, body, data, deadline_s)
            except InstanceUnreachable:
                if conn.buffer or conn._head is not None:
                    raise
                continue  # the container closed an idle connection: try the next one
        conn = await self._connect()
        return await self._exchange(conn, head, body, data, deadline_s)

    async def _exchange(
        self, conn: _Connection, head: bytes, body: bytes, data: bytes | None, deadline_s: float
    ) -> Answer:
        loop = self.loop
        waiter: asyncio.Future[Answer] = loop.create_future()
        conn.waiter = waiter
        assert conn.transport is not None
        if data is not None:
            conn.transport.write(data)
        else:
            conn.transport.writelines((head, body))
        timer = loop.call_later(deadline_s, _expire, waiter)
        try:
            answer = await waiter
        except BaseException:
            self._drop(conn)
            raise
        finally:
            timer.cancel()
            conn.waiter = None
        if conn.reusable and not conn.closed and not conn.buffer:
            self._idle.append(conn)
        else:
            self._drop(conn)
        return answer

    def _drop(self, conn: _Connection) -> None:
        self._all.discard(conn)
        if conn.transport is not None:
            conn.transport.close()

    def close(self) -> None:
        for conn in list(self._all):
            self._drop(conn)
        self._idle.clear()


def _expire(waiter: asyncio.Future[Answer]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
