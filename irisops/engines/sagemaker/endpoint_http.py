"""A minimal HTTP/1.1 client for one instance's ``/invocations``: a pool of kept-alive
connections, one request in flight on each, the answer read whole.

The proxy's cost per invocation is what the server spends on it, and a general client
(aiohttp's) costs several times more CPU per request than the protocol needs here: one
known peer on 127.0.0.1, requests we write ourselves, answers of at most 6 MB (the
InvokeEndpoint limit) with Content-Length or chunked framing.

:meth:`InstanceClient.send` is callback-style: the request is written at once and the
callback runs from the connection's ``data_received``, so an invocation costs no task
and no extra turn of the event loop; :meth:`InstanceClient.post` awaits the same.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from irisops.core.futures import settler

log = logging.getLogger("irisops.sagemaker")

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


OnDone = Callable[["Answer | BaseException"], None]


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        #: Called once with the answer or the failure of the exchange in flight.
        self.on_done: OnDone | None = None
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
        self.finish(InstanceUnreachable(str(exc or "connection closed")))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.on_done is None:
            return
        try:
            answer = self._parse()
        except BadAnswer as exc:
            self.reusable = False
            self.finish(exc)
            return
        if answer is not None:
            self.finish(answer)

    def finish(self, result: Answer | BaseException) -> None:
        done, self.on_done = self.on_done, None
        if done is None:
            return
        try:
            done(result)
        except Exception:
            log.exception("an invocation's answer callback failed")

    @property
    def started_answer(self) -> bool:
        return bool(self.buffer) or self._head is not None

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
        self._connecting: set[asyncio.Task[None]] = set()

    async def _connect(self) -> _Connection:
        try:
            _, conn = await self.loop.create_connection(_Connection, "127.0.0.1", self.port)
        except OSError as exc:
            raise InstanceUnreachable(str(exc)) from exc
        self._all.add(conn)
        return conn

    def send(
        self, path: str, headers: dict[str, str], body: bytes, deadline_s: float, on_done: OnDone
    ) -> None:
        """Write the request now (on a kept-alive connection when one is idle) and call
        ``on_done`` once with the :class:`Answer` or the exception: TimeoutError after
        ``deadline_s``, InstanceUnreachable, BadAnswer."""
        head = (
            f"POST {path} HTTP/1.1\r\n{self.host_header}Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        ).encode("latin-1")
        self._send(head, body, deadline_s, on_done)

    def _send(self, head: bytes, body: bytes, deadline_s: float, on_done: OnDone) -> None:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                self._exchange(conn, head, body, deadline_s, on_done, reused=True)
                return
            self._all.discard(conn)
        task = self.loop.create_task(self._connect_then_send(head, body, deadline_s, on_done))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)

    async def _connect_then_send(
        self, head: bytes, body: bytes, deadline_s: float, on_done: OnDone
    ) -> None:
        try:
            conn = await self._connect()
        except InstanceUnreachable as exc:
            on_done(exc)
            return
        except asyncio.CancelledError:
            on_done(InstanceUnreachable("the instance's connections were closed"))
            raise
        self._exchange(conn, head, body, deadline_s, on_done, reused=False)

    def _exchange(
        self,
        conn: _Connection,
        head: bytes,
        body: bytes,
        deadline_s: float,
        on_done: OnDone,
        reused: bool,
    ) -> None:
        def finished(result: Answer | BaseException) -> None:
            timer.cancel()
            if isinstance(result, Answer):
                if conn.reusable and not conn.closed and not conn.buffer:
                    self._idle.append(conn)
                else:
                    self._drop(conn)
                on_done(result)
                return
            retry = reused and isinstance(result, InstanceUnreachable) and not conn.started_answer
            self._drop(conn)
            if retry:  # the container had closed this idle connection: try another
                self._send(head, body, deadline_s, on_done)
            else:
                on_done(result)

        conn.on_done = finished
        timer = self.loop.call_later(deadline_s, conn.finish, TimeoutError())
        assert conn.transport is not None
        if len(body) < 65536:
            conn.transport.write(head + body)
        else:
            conn.transport.writelines((head, body))

    async def post(
        self, path: str, headers: dict[str, str], body: bytes, deadline_s: float
    ) -> Answer:
        """:meth:`send`, awaited."""
        future: asyncio.Future[Answer] = self.loop.create_future()
        self.send(path, headers, body, deadline_s, settler(future))
        return await future

    def _drop(self, conn: _Connection) -> None:
        self._all.discard(conn)
        if conn.transport is not None:
            conn.transport.close()

    def close(self) -> None:
        for task in list(self._connecting):
            task.cancel()
        for conn in list(self._all):
            self._drop(conn)
        self._idle.clear()
