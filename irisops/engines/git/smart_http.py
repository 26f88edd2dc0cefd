"""Git smart HTTP (protocol v0/v1, stateless RPC) over dulwich, without blocking the loop.

dulwich's upload-pack and receive-pack handlers are blocking and read and write through a
``Protocol``. For each request this bridge opens the repository, runs the handler on a
thread of its own pool and connects the handler to the HTTP exchange:

* the request body is pulled chunk by chunk from aiohttp's stream as the handler reads
  (``Content-Encoding: gzip`` decoded when aiohttp has not already done so), with a
  limit on both the bytes received and the bytes they decode to;
* upload-pack output is streamed back in 64 KiB writes as it is produced;
* receive-pack output (the status report) is held back until the ref updates the push
  made are recorded by the host (:meth:`GitHost.pushed`): a client whose push reported
  ``ok`` can rely on every API seeing it.

Pushes to one repository run one at a time under the host's lock, and each runs in a
task the bridge owns: a client hanging up mid-push cannot release the lock while the
thread still works, and the ref changes are always recorded.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aiohttp import StreamReader, web
from dulwich.errors import GitProtocolError
from dulwich.protocol import (
    CAPABILITY_ALLOW_REACHABLE_SHA1_IN_WANT,
    CAPABILITY_ALLOW_TIP_SHA1_IN_WANT,
    ReceivableProtocol,
    pkt_line,
)
from dulwich.repo import Repo
from dulwich.server import Backend, ReceivePackHandler, UploadPackHandler

from irisops.engines.git.refs import RefChange, diff_refs, read_refs

log = logging.getLogger("irisops.git")
# dulwich logs every capability exchange at INFO.
logging.getLogger("dulwich").setLevel(logging.WARNING)

UPLOAD_PACK = "git-upload-pack"
RECEIVE_PACK = "git-receive-pack"
#: Largest push (pack bytes after decoding) and largest fetch negotiation accepted.
MAX_PUSH_BYTES = 2 * 1024**3
MAX_NEGOTIATION_BYTES = 64 * 1024**2
WRITE_CHUNK = 64 * 1024
#: How long the handler thread waits for the client's next bytes or for a write.
IO_TIMEOUT_S = 300.0
NO_CACHE = {
    "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
    "Pragma": "no-cache",
    "Cache-Control": "no-cache, max-age=0, must-revalidate",
}


@dataclass(frozen=True)
class GitTarget:
    """A repository a request resolved to: its directory and the host's own key."""

    path: Path
    key: Any


class GitHost(Protocol):
    """What the bridge needs from the service that owns the repositories."""

    def locate(self, name: str) -> GitTarget | None:
        """The repository a clone URL names, or None (404)."""

    def push_lock(self, target: GitTarget) -> asyncio.Lock:
        """The lock serialising ref updates of one repository."""

    async def pushed(self, target: GitTarget, changes: list[RefChange]) -> None:
        """Record the ref updates of a push (called under the lock, before the reply)."""


class BodyTooLarge(OSError):
    """An OSError so that dulwich reports it as the push's unpack status."""


class _OneRepository(Backend):
    def __init__(self, repo: Any) -> None:
        self.repo = repo

    def open_repository(self, path: str) -> Any:
        return self.repo


class _WantedById:
    """A repository as upload-pack sees it, whose refs also name the objects the client
    wants by id: dulwich serves only advertised tips, while git fetches a commit by id
    (``git fetch origin <sha>``, as CodeBuild does for a source version) and partial
    clones fetch blobs by id. Any object the repository has may be wanted."""

    def __init__(self, repo: Repo, wanted: list[bytes]) -> None:
        self._repo = repo
        store = repo.object_store
        self._extra = {
            f"refs/wanted/{sha.decode()}".encode(): sha for sha in wanted if sha in store
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)

    def find_missing_objects(self, determine_wants: Any, *args: Any, **kwargs: Any) -> Any:
        def widened(refs: Any, depth: int | None = None) -> Any:
            return determine_wants({**refs, **self._extra}, depth)

        return self._repo.find_missing_objects(widened, *args, **kwargs)


class UploadPack(UploadPackHandler):
    """upload-pack that also advertises fetching objects by id (see :class:`_WantedById`).
    Partial clones (``--filter``) are not supported: dulwich does not send the blobs
    they fetch later."""

    def capabilities(self) -> list[bytes]:
        return [
            *super().capabilities(),
            CAPABILITY_ALLOW_TIP_SHA1_IN_WANT,
            CAPABILITY_ALLOW_REACHABLE_SHA1_IN_WANT,
        ]


HANDLERS: dict[str, type[UploadPackHandler] | type[ReceivePackHandler]] = {
    UPLOAD_PACK: UploadPack,
    RECEIVE_PACK: ReceivePackHandler,
}


class BodyReader:
    """The request body as a blocking ``recv(n)`` for the handler thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        content: StreamReader,
        *,
        gzip_declared: bool,
        limit: int,
    ) -> None:
        self._loop = loop
        self._content = content
        self._gzip_declared = gzip_declared
        self._limit = limit
        self._inflater: Any = None
        self._first = True
        self._buffer = bytearray()
        self._eof = False
        self.decoded = 0

    def wanted(self) -> list[bytes]:
        """The object ids of the request's ``want`` lines (read ahead, not consumed)."""
        wants: list[bytes] = []
        offset = 0
        while True:
            while len(self._buffer) < offset + 4 and not self._eof:
                self._fill()
            header = bytes(self._buffer[offset : offset + 4])
            try:
                length = int(header, 16)
            except ValueError:
                return wants
            if length < 4:  # flush (or delimiter): the want lines are over
                return wants
            while len(self._buffer) < offset + length and not self._eof:
                self._fill()
            line = bytes(self._buffer[offset + 4 : offset + length])
            if line.startswith(b"want "):
                wants.append(line[5:45])
            offset += length

    def recv(self, size: int) -> bytes:
        while not self._buffer and not self._eof:
            self._fill()
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def _fill(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._content.readany(), self._loop)
        chunk = future.result(IO_TIMEOUT_S)
        if self._first and chunk:
            self._first = False
            # aiohttp inflates gzip bodies itself by default; a pkt-line stream never
            # starts with the gzip magic, so the bytes say whether it did.
            if self._gzip_declared and chunk[:2] == b"\x1f\x8b":
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not chunk:
            self._eof = True
            data = self._inflater.flush() if self._inflater is not None else b""
        elif self._inflater is not None:
            data = self._inflater.decompress(chunk, self._limit + 1 - self.decoded)
            if self._inflater.unconsumed_tail:
                raise BodyTooLarge(f"request body exceeds {self._limit} bytes")
        else:
            data = chunk
        self.decoded += len(data)
        if self.decoded > self._limit:
            raise BodyTooLarge(f"request body exceeds {self._limit} bytes")
        self._buffer += data


class ResponseWriter:
    """Handler output: streamed to the response in chunks, or held until released."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        response: web.StreamResponse | None,
    ) -> None:
        self._loop = loop
        self._response = response
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if self._response is not None and len(self.buffer) >= WRITE_CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._response is None or not self.buffer:
            return
        data = bytes(self.buffer)
        self.buffer.clear()
        future = asyncio.run_coroutine_threadsafe(self._response.write(data), self._loop)
        future.result(IO_TIMEOUT_S)


class SmartHttpBridge:
    def __init__(self, host: GitHost, *, workers: int = 8) -> None:
        self.host = host
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="git")
        self._tasks: set[asyncio.Task[Any]] = set()

    def add_routes(self, app: web.Application, prefix: str = "/v1/repos") -> None:
        app.router.add_get(prefix + "/{name}/info/refs", self.info_refs)
        app.router.add_post(prefix + "/{name}/" + UPLOAD_PACK, self.upload_pack)
        app.router.add_post(prefix + "/{name}/" + RECEIVE_PACK, self.receive_pack)
        app.router.add_route("*", prefix + "/{name}/{tail:.*}", self.not_found)

    async def close(self) -> None:
        """Wait for the pushes in flight, then stop the threads."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=30)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- handlers ---------------------------------------------------------------------

    async def not_found(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="Not found (irisops serves git smart HTTP only)\n")

    async def info_refs(self, request: web.Request) -> web.Response:
        service = request.query.get("service", "")
        if service not in HANDLERS:
            return web.Response(status=403, text="dumb HTTP is not supported; use git >= 1.6.6\n")
        target = self._target(request)
        loop = asyncio.get_running_loop()
        writer = ResponseWriter(loop, None)

        def advertise() -> None:
            with Repo(str(target.path)) as repo:
                proto = ReceivableProtocol(lambda n: b"", writer.write)
                handler = HANDLERS[service](
                    _OneRepository(repo), [""], proto, stateless_rpc=True, advertise_refs=True
                )
                handler.handle()

        await loop.run_in_executor(self._pool, advertise)
        banner = pkt_line(f"# service={service}\n".encode()) + pkt_line(None)
        return web.Response(
            body=banner + bytes(writer.buffer),
            content_type=f"application/x-{service}-advertisement",
            headers=NO_CACHE,
        )

    async def upload_pack(self, request: web.Request) -> web.StreamResponse:
        target = self._target(request)
        loop = asyncio.get_running_loop()
        reader = self._reader(request, MAX_NEGOTIATION_BYTES)
        response = web.StreamResponse(
            headers={"Content-Type": f"application/x-{UPLOAD_PACK}-result", **NO_CACHE}
        )
        await response.prepare(request)
        writer = ResponseWriter(loop, response)

        def serve() -> None:
            with Repo(str(target.path)) as repo:
                self._run(UploadPack, _WantedById(repo, reader.wanted()), reader, writer)
                writer.flush()

        try:
            await loop.run_in_executor(self._pool, serve)
        except Exception as exc:
            _log_end("upload-pack", target, exc)
            return response
        await response.write_eof()
        return response

    async def receive_pack(self, request: web.Request) -> web.StreamResponse:
        target = self._target(request)
        reader = self._reader(request, MAX_PUSH_BYTES)
        task = asyncio.get_running_loop().create_task(self._push(target, reader))
        self._tasks.add(task)
        task.add_done_callback(self._push_done)
        output = await asyncio.shield(task)
        return web.Response(
            body=output,
            content_type=f"application/x-{RECEIVE_PACK}-result",
            headers=NO_CACHE,
        )

    # -- pieces -----------------------------------------------------------------------

    def _push_done(self, task: asyncio.Task[bytes]) -> None:
        """Retrieve the outcome of a push whose client may have gone away."""
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("recording a push failed", exc_info=task.exception())

    def _target(self, request: web.Request) -> GitTarget:
        target = self.host.locate(request.match_info["name"])
        if target is None:
            raise web.HTTPNotFound(text="Repository not found\n")
        return target

    def _reader(self, request: web.Request, limit: int) -> BodyReader:
        encoding = request.headers.get("Content-Encoding", "").lower()
        if request.content_length is not None and request.content_length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
        return BodyReader(
            asyncio.get_running_loop(),
            request.content,
            gzip_declared="gzip" in encoding,
            limit=limit,
        )

    @staticmethod
    def _run(
        handler_cls: type[UploadPackHandler] | type[ReceivePackHandler],
        repo: Any,
        reader: BodyReader,
        writer: ResponseWriter,
    ) -> None:
        proto = ReceivableProtocol(reader.recv, writer.write)
        handler_cls(_OneRepository(repo), [""], proto, stateless_rpc=True).handle()

    async def _push(self, target: GitTarget, reader: BodyReader) -> bytes:
        loop = asyncio.get_running_loop()
        writer = ResponseWriter(loop, None)
        readings: list[dict[str, str]] = []

        def receive() -> None:
            with Repo(str(target.path)) as repo:
                readings.append(read_refs(repo))
                try:
                    self._run(ReceivePackHandler, repo, reader, writer)
                finally:
                    readings.append(read_refs(repo))

        async with self.host.push_lock(target):
            try:
                await loop.run_in_executor(self._pool, receive)
            except Exception as exc:
                _log_end("receive-pack", target, exc)
            finally:
                changes = diff_refs(*readings) if len(readings) == 2 else []
                if changes:
                    await self.host.pushed(target, changes)
        return bytes(writer.buffer)


def _log_end(service: str, target: GitTarget, exc: Exception) -> None:
    """A git exchange that ended early: the client's doing (hang-up, bad request, too
    large) is logged as information, anything else as a warning with its traceback."""
    if isinstance(exc, GitProtocolError | OSError | TimeoutError):
        log.info("%s for %s ended: %r", service, target.path.name, exc)
    else:
        log.warning("%s for %s failed", service, target.path.name, exc_info=exc)
