"""Object and part data as files, named by a random id and never by the key.

Every blob is written once under a temporary name, fsynced when the server runs with
fsync on, renamed to its id, and never modified afterwards; the SQLite row that refers to
it is committed only after the rename. A crash between rename and commit leaves an
unreferenced file, which :meth:`BlobStore.sweep` removes at start, with the temporary
files of interrupted writes.

Because blobs are immutable, a copy is a hard link, and a blob that an overwrite or a
delete has released is unlinked after a short grace period, so that a GET that has just
been answered with its path can still open it.

All file work runs on the store's thread pool; receiving a request body overlaps with
writing and hashing it (one chunk on the wire while the previous one is written).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from irisops.core.files import TMP_PREFIX, fsync_dir
from irisops.core.writeback import start_writeback
from irisops.gateway.body import RequestBody
from irisops.services.s3.checksums import Hasher, new_hasher

#: Bytes gathered from the wire before they are handed to the writer thread.
BATCH = 1 << 20
#: Bodies at most this long are received whole and written in a single thread hop.
SMALL_BODY = 256 * 1024
#: How long a released blob stays on disk for GETs already answered with its path.
GRACE_SECONDS = 5.0
COPY_CHUNK = 8 << 20


@dataclass
class Blob:
    """A blob on disk, renamed into place but not yet referenced by a committed row."""

    id: str
    size: int
    md5: bytes
    checksums: dict[str, bytes] = field(default_factory=dict)

    @property
    def md5_hex(self) -> str:
        return self.md5.hex()


class BlobSink:
    """One blob being written: appended and hashed batch by batch on worker threads.

    Each batch is split into independent steps (the file write, the MD5, each extra
    checksum) that run at the same time on different threads; the async driver waits for
    all of them before it hands over the next batch, which keeps every step in order.
    The write lock makes an abort from a failed or cancelled request safe against a write
    still running.
    """

    def __init__(self, store: BlobStore, algorithms: Iterable[str]) -> None:
        self.store = store
        self.id = store.new_id()
        self.temp = store.root / f"{TMP_PREFIX}{self.id}"
        self._fd: int | None = None
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._hashers: dict[str, Hasher] = {name: new_hasher(name) for name in algorithms}
        self._size = 0
        self._lock = threading.Lock()
        self._closed = False

    def steps(self, chunks: list[bytes]) -> list[Callable[[], None]]:
        """What one batch takes, as steps that may run concurrently."""
        hashers: list[Hasher] = [self._md5, *self._hashers.values()]
        return [partial(self.write, chunks), *(partial(_feed, h, chunks) for h in hashers)]

    def take(self, chunks: list[bytes]) -> None:
        """Write and hash a batch on the calling thread."""
        for step in self.steps(chunks):
            step()

    def write(self, chunks: list[bytes]) -> None:
        with self._lock:
            if self._closed:
                return
            if self._fd is None:
                self._fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            _write_all(self._fd, chunks)
            written = sum(len(c) for c in chunks)
            if self.store.fsync and written:
                start_writeback(self._fd, self._size, written)
            self._size += written

    def finish(self, chunks: list[bytes]) -> Blob:
        """Take the last batch, make the file durable and rename it to its id."""
        self.take(chunks)
        with self._lock:
            if self._closed:
                raise RuntimeError("blob write was aborted")
            if self._fd is None:
                self._fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                if self.store.fsync:
                    os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None
                self._closed = True
            os.replace(self.temp, self.store.path(self.id))
            if self.store.fsync:
                fsync_dir(self.store.root)
        return Blob(
            id=self.id,
            size=self._size,
            md5=self._md5.digest(),
            checksums={name: h.digest() for name, h in self._hashers.items()},
        )

    def abort(self) -> None:
        with self._lock:
            self._closed = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()


def _feed(hasher: Hasher, chunks: list[bytes]) -> None:
    for chunk in chunks:
        hasher.update(chunk)


def _write_all(fd: int, chunks: list[bytes]) -> None:
    pending = [memoryview(c) for c in chunks if len(c)]
    while pending:
        written = os.writev(fd, pending)
        while pending and written >= len(pending[0]):
            written -= len(pending[0])
            pending.pop(0)
        if pending and written:
            pending[0] = pending[0][written:]


class BlobStore:
    def __init__(self, root: Path, *, fsync: bool, executor: ThreadPoolExecutor) -> None:
        self.root = root
        self.fsync = fsync
        self.executor = executor
        self._released: dict[str, asyncio.TimerHandle] = {}

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(16)

    def path(self, blob_id: str) -> Path:
        return self.root / blob_id

    async def _run(self, fn, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # -- writing -----------------------------------------------------------------------

    async def receive(self, body: RequestBody, algorithms: Iterable[str] = ()) -> Blob:
        """Stream a request body into a new blob, hashing MD5 and ``algorithms`` on the way.

        The body is read on the loop while the previous batch is written and hashed on
        worker threads; a small body costs a single thread hop.
        """
        sink = BlobSink(self, algorithms)
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[list[None]] | None = None
        batch: list[bytes] = []
        batched = 0
        batch_limit = BATCH
        if body.content_length is not None and body.content_length <= SMALL_BODY:
            batch_limit = SMALL_BODY + 1
        try:
            async for chunk in body.chunks():
                batch.append(chunk)
                batched += len(chunk)
                if batched >= batch_limit:
                    if pending is not None:
                        await pending
                    pending = asyncio.gather(
                        *(loop.run_in_executor(self.executor, step) for step in sink.steps(batch))
                    )
                    batch, batched = [], 0
            if pending is not None:
                await pending
            return await loop.run_in_executor(self.executor, sink.finish, batch)
        except BaseException:
            self.executor.submit(sink.abort)
            raise

    async def copy(
        self,
        source_id: str,
        offset: int = 0,
        length: int | None = None,
        algorithms: Iterable[str] = (),
    ) -> Blob:
        """A new blob holding ``length`` bytes of another from ``offset``, hashed."""
        sink = BlobSink(self, algorithms)

        def run() -> Blob:
            try:
                with open(self.path(source_id), "rb") as source:
                    source.seek(offset)
                    remaining = length
                    while remaining is None or remaining > 0:
                        want = COPY_CHUNK if remaining is None else min(COPY_CHUNK, remaining)
                        data = source.read(want)
                        if not data:
                            break
                        sink.take([data])
                        if remaining is not None:
                            remaining -= len(data)
                return sink.finish([])
            except BaseException:
                sink.abort()
                raise

        return await self._run(run)

    async def link(self, source_id: str) -> str:
        """A new blob id for the same bytes (a hard link; a copy where links fail)."""
        new_id = self.new_id()

        def run() -> None:
            source, target = self.path(source_id), self.path(new_id)
            temp = self.root / f"{TMP_PREFIX}{new_id}"
            try:
                os.link(source, temp)
            except OSError:
                shutil.copyfile(source, temp)
                if self.fsync:
                    with open(temp, "rb+") as f:
                        os.fsync(f.fileno())
            os.replace(temp, target)
            if self.fsync:
                fsync_dir(self.root)

        await self._run(run)
        return new_id

    async def concat(self, blob_ids: list[str], sizes: list[int]) -> Blob:
        """A new blob holding the given blobs end to end (multipart completion).

        The bytes move inside the kernel (``copy_file_range``) where it is available; the
        caller already knows the part digests, so nothing is hashed here.
        """
        new_id = self.new_id()

        def run() -> Blob:
            temp = self.root / f"{TMP_PREFIX}{new_id}"
            try:
                with open(temp, "wb") as out:
                    for blob_id, size in zip(blob_ids, sizes, strict=True):
                        with open(self.path(blob_id), "rb") as part:
                            _copy_whole(part.fileno(), out.fileno(), size)
                    if self.fsync:
                        out.flush()
                        os.fsync(out.fileno())
                os.replace(temp, self.path(new_id))
                if self.fsync:
                    fsync_dir(self.root)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
                raise
            return Blob(id=new_id, size=sum(sizes), md5=b"")

        return await self._run(run)

    # -- releasing ---------------------------------------------------------------------

    async def remove_now(self, blob_ids: Iterable[str]) -> None:
        """Remove blobs no row refers to (a write that failed after its rename)."""
        paths = [self.path(b) for b in blob_ids if b]
        if paths:
            await self._run(_unlink_all, paths)

    def release(self, blob_ids: Iterable[str]) -> None:
        """Unlink blobs that committed rows no longer refer to, after a grace period."""
        loop = asyncio.get_running_loop()
        for blob_id in blob_ids:
            if blob_id and blob_id not in self._released:
                self._released[blob_id] = loop.call_later(
                    GRACE_SECONDS, self._unlink_released, blob_id
                )

    def _unlink_released(self, blob_id: str) -> None:
        if self._released.pop(blob_id, None) is not None:
            self.executor.submit(_unlink_all, [self.path(blob_id)])

    async def flush_released(self) -> None:
        """Unlink every blob still waiting out its grace period (at shutdown)."""
        ids = list(self._released)
        for handle in self._released.values():
            handle.cancel()
        self._released.clear()
        await self._run(_unlink_all, [self.path(b) for b in ids])

    # -- housekeeping ------------------------------------------------------------------

    async def sweep(self, referenced: set[str]) -> int:
        """Remove temporary files and blobs that no committed row refers to."""

        def run() -> int:
            removed = 0
            with os.scandir(self.root) as entries:
                for entry in entries:
                    if entry.name.startswith(TMP_PREFIX) or entry.name not in referenced:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(entry.path)
                            removed += 1
            return removed

        return await self._run(run)

    async def wipe(self) -> None:
        for handle in self._released.values():
            handle.cancel()
        self._released.clear()

        def run() -> None:
            with os.scandir(self.root) as entries:
                for entry in entries:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)

        await self._run(run)


def _copy_whole(src: int, dst: int, size: int) -> None:
    remaining = size
    if hasattr(os, "copy_file_range"):
        try:
            while remaining > 0:
                copied = os.copy_file_range(src, dst, remaining)
                if copied == 0:
                    break
                remaining -= copied
        except OSError:
            pass
    while remaining > 0:
        data = os.read(src, min(COPY_CHUNK, remaining))
        if not data:
            raise OSError(f"blob shorter than its recorded size ({size} bytes)")
        _write_all(dst, [data])
        remaining -= len(data)


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
