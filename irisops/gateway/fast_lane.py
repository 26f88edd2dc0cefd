"""A fast lane below aiohttp for the one route whose cost is the product: InvokeEndpoint.

Every connection to the shared port starts here. Its first request head is read: when it
is a plain HTTP/1.1 request on a fast route (``POST /endpoints/NAME/invocations``, a
Content-Length body, no ``Expect``, no query string), the connection stays in the lane,
which parses requests and writes answers itself -- a few string operations and one send
per answer, against aiohttp's request objects, middlewares and writers. Any other
request, on a new connection or later on a lane connection, hands the connection over to
aiohttp's own protocol with the bytes read so far, so every other API, the registry, git
and the event stream are served exactly as before.

HTTP/1.1 semantics kept: keep-alive unless ``Connection: close``; pipelined requests are
answered in order; a hand-over happens only between requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aiohttp import web
from aiohttp.web_runner import BaseRunner, BaseSite

log = logging.getLogger("irisops.gateway")

MAX_HEAD = 64 * 1024
#: How much of a body the lane buffers before it stops reading from the socket.
HIGH_WATER = 8 * 1024 * 1024


@dataclass
class FastRequest:
    method: str
    path: str
    #: Header names lower-cased; a repeated header keeps its last value.
    headers: dict[str, str]
    body: bytes


@dataclass
class FastAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


#: A fast handler gets the request and a callable to give its answer to, exactly once,
#: at once or later (from a callback): no task per request.
FastHandler = Callable[[FastRequest, Callable[[FastAnswer], None]], None]


@dataclass(frozen=True)
class FastRoute:
    """``method`` and a path ``prefix`` + one segment + ``suffix``, served by ``handler``.

    ``max_body`` is the largest body the lane buffers; a larger request goes to aiohttp
    (whose own route answers it).
    """

    method: str
    prefix: str
    suffix: str
    handler: FastHandler
    max_body: int

    @cached_property
    def start(self) -> bytes:
        """How every request on the route begins: ``POST /endpoints/``."""
        return f"{self.method} {self.prefix}".encode("latin-1")

    def matches(self, method: str, target: str) -> bool:
        if method != self.method or not target.startswith(self.prefix):
            return False
        if not target.endswith(self.suffix) or "?" in target:
            return False
        segment = target[len(self.prefix) : len(target) - len(self.suffix)]
        return bool(segment) and "/" not in segment


@dataclass
class _Head:
    method: str
    target: str
    headers: dict[str, str]
    length: int
    size: int  # bytes of the head, blank line included
    route: FastRoute | None
    close: bool


class FastLaneProtocol(asyncio.Protocol):
    def __init__(self, lane: FastLaneServer) -> None:
        self.lane = lane
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False
        self.closing = False
        self.paused = False
        self.in_next = False
        #: The head of the request whose body is still arriving.
        self.waiting_body: _Head | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.lane.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lane.connections.discard(self)
        self.closing = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()
        elif len(self.buffer) > HIGH_WATER and not self.paused:
            assert self.transport is not None
            self.transport.pause_reading()
            self.paused = True

    def eof_received(self) -> bool | None:
        self.closing = True
        if not self.busy:
            self._close()
        return True  # close the transport once the answer in flight is written

    # -- requests -----------------------------------------------------------------------

    def _next(self) -> None:
        """Start the whole requests in the buffer, one at a time, or hand over."""
        if self.in_next:
            return  # an answer given synchronously: the loop below goes on
        self.in_next = True
        try:
            while not self.busy and not self.closing and self.buffer:
                if not self._start_one():
                    return
        finally:
            self.in_next = False

    def _start_one(self) -> bool:
        """Start the request at the buffer's head; False when it is not all there yet
        or the connection was handed over."""
        head = self.waiting_body
        if head is None:
            if not self.lane.may_match(self.buffer):
                # Not the start of a fast request (another route, or not HTTP at all, such
                # as a TLS hello that expects an answer before it sends more): aiohttp's.
                self._hand_over()
                return False
            head = self._head()
            if head is None:
                return False
            if head.route is None:
                self._hand_over()
                return False
        if len(self.buffer) < head.size + head.length:
            self.waiting_body = head  # parsed once, however many reads the body takes
            return False
        self.waiting_body = None
        assert head.route is not None
        body = bytes(self.buffer[head.size : head.size + head.length])
        del self.buffer[: head.size + head.length]
        self.busy = True
        request = FastRequest(head.method, head.target, head.headers, body)
        responder = Responder(self, head.close)
        try:
            head.route.handler(request, responder)
        except Exception:
            log.exception("fast lane %s %s failed", request.method, request.path)
            responder(internal_failure())
        return True

    def _head(self) -> _Head | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._hand_over()
            return None
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target, _, version = rest.partition(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or name != name.strip():
                return _Head(method, target, headers, 0, end + 4, None, False)
            headers[name.lower()] = value.strip()
        route = self.lane.route(method, target) if version == "HTTP/1.1" else None
        length = 0
        if route is not None:
            length_text = headers.get("content-length", "")
            eligible = (
                length_text.isdigit()
                and "transfer-encoding" not in headers
                and "expect" not in headers
                and "upgrade" not in headers
            )
            length = int(length_text) if eligible else 0
            if not eligible or length > route.max_body:
                route = None
        close = "close" in headers.get("connection", "").lower()
        return _Head(method, target, headers, length, end + 4, route, close)

    def respond(self, answer: FastAnswer, close: bool) -> None:
        self.busy = False
        if self.lane.drained is not None and not self.lane.busy():
            self.lane.drained.set()
        if self.transport is None or self.transport.is_closing():
            return
        head = [f"HTTP/1.1 {answer.status} {answer.reason}\r\n"]
        head.extend(f"{name}: {value}\r\n" for name, value in answer.headers)
        head.append(f"Content-Length: {len(answer.body)}\r\n")
        if close:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        data = "".join(head).encode("latin-1")
        if len(answer.body) < 65536:
            self.transport.write(data + answer.body)
        else:
            self.transport.writelines((data, answer.body))
        if close or self.closing:
            self.closing = True
            self._close()
            return
        if self.paused:
            self.paused = False
            self.transport.resume_reading()
        self._next()

    def _close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _hand_over(self) -> None:
        """Give the connection, and every byte read so far, to aiohttp."""
        transport = self.transport
        assert transport is not None
        self.lane.connections.discard(self)
        self.transport = None
        if self.paused:
            transport.resume_reading()
        handler = self.lane.aiohttp_protocol()
        handler.connection_made(transport)
        transport.set_protocol(handler)
        data, self.buffer = bytes(self.buffer), bytearray()
        handler.data_received(data)


class Responder:
    """What a fast handler calls, once, with its answer (at once or later)."""

    __slots__ = ("close", "conn", "used")

    def __init__(self, conn: FastLaneProtocol, close: bool) -> None:
        self.conn = conn
        self.close = close
        self.used = False

    def __call__(self, answer: FastAnswer) -> None:
        if self.used:
            return
        self.used = True
        self.conn.respond(answer, self.close)


def internal_failure() -> FastAnswer:
    return FastAnswer(
        500,
        "Internal Server Error",
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalFailure")],
        b'{"__type": "InternalFailure", "message": "We encountered an internal error. '
        b'Please try again."}',
    )


class FastLaneServer:
    """The protocol factory given to ``loop.create_server``: each connection starts in
    the lane; ``aiohttp_protocol`` makes aiohttp's own protocol for a hand-over."""

    def __init__(self, aiohttp_server: web.Server, routes: list[FastRoute]) -> None:
        self.aiohttp_protocol = aiohttp_server
        self.routes = routes
        self.connections: set[FastLaneProtocol] = set()
        #: Set once the last busy connection answered, while the server stops.
        self.drained: asyncio.Event | None = None
        # Kept, not looked up per request: asyncio.get_running_loop() is a getpid() call.
        self.loop = asyncio.get_running_loop()

    def __call__(self) -> asyncio.Protocol:
        if not self.routes:
            return self.aiohttp_protocol()
        return FastLaneProtocol(self)

    def may_match(self, buffer: bytearray) -> bool:
        """Whether the bytes so far can begin a request on one of the fast routes."""
        for route in self.routes:
            start = route.start
            n = min(len(start), len(buffer))
            if buffer[:n] == start[:n]:
                return True
        return False

    def route(self, method: str, target: str) -> FastRoute | None:
        for route in self.routes:
            if route.matches(method, target):
                return route
        return None

    async def close(self, timeout_s: float) -> None:
        """Close idle connections now and busy ones once their answer is written (waiting
        up to ``timeout_s`` for those answers)."""
        for conn in list(self.connections):
            conn.closing = True
            if not conn.busy:
                conn._close()
        if self.busy():
            self.drained = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drained.wait(), timeout_s)

    def busy(self) -> bool:
        return any(conn.busy for conn in self.connections)


class GatewaySite(BaseSite):
    """``web.TCPSite`` with the fast lane in front of aiohttp's protocol."""

    __slots__ = ("_host", "_lane", "_port", "_routes")

    def __init__(
        self,
        runner: BaseRunner[Any],
        host: str,
        port: int,
        routes: list[FastRoute],
        *,
        backlog: int = 1024,
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self._routes = routes
        self._lane: FastLaneServer | None = None

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def sockets(self) -> list[socket.socket]:
        assert self._server is not None
        return list(self._server.sockets)

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert isinstance(server, web.Server)
        self._lane = FastLaneServer(server, self._routes)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._lane, self._host, self._port, backlog=self._backlog, reuse_address=True
        )

    async def stop(self) -> None:
        if self._lane is not None:
            await self._lane.close(self._runner._shutdown_timeout)
        await super().stop()
