"""Content-addressed blob storage with resumable (chunked) uploads.

A blob lives at ``blobs/sha256/<2 hex>/<64 hex>`` and is never modified. An upload is a
file under ``uploads/<uuid>`` that grows chunk by chunk while its sha256 is computed on
the way in; completing it checks the digest, fsyncs the file and renames it to its blob
path, so a blob path only ever names complete, verified content. A wrong digest deletes
the upload. Uploads do not survive a restart: :meth:`BlobStore.sweep` removes them (and
the in-memory hash state is gone with the process anyway).

All file work runs on threads; receiving the next batch from the wire overlaps with
writing and hashing the previous one (write and hash on two threads at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from irisops.core.files import TMP_PREFIX, fsync_dir
from irisops.core.writeback import start_writeback
from irisops.engines.registry.digests import check_digest
from irisops.engines.registry.errors import RegistryError

#: Bytes gathered from the wire before one thread hop writes and hashes them.
BATCH = 1 << 20
#: An upload no request has touched for this long is abandoned: dropped with its file.
UPLOAD_IDLE_SECONDS = 24 * 3600.0


@dataclass
class Upload:
    """One blob upload in progress (``Docker-Upload-UUID``)."""

    id: str
    path: Path
    #: The repository it was started in: ``(account, region, name)``.
    owner: tuple[str, str, str]
    size: int = 0
    #: When a request last touched it (monotonic): idle uploads are dropped.
    touched: float = field(default_factory=time.monotonic)
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    fd: int | None = None

    def write(self, chunks: list[bytes], writeback: bool) -> None:
        """Append one batch (on a worker thread), starting its writeback when the
        upload will be fsynced, so that the final fsync waits only for the tail."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        pending = [memoryview(c) for c in chunks if c]
        written_total = sum(len(c) for c in pending)
        while pending:
            written = os.writev(self.fd, pending)
            while pending and written >= len(pending[0]):
                written -= len(pending[0])
                pending.pop(0)
            if pending and written:
                pending[0] = pending[0][written:]
        if writeback and written_total:
            start_writeback(self.fd, self.size, written_total)
        self.size += written_total

    def hash(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.hasher.update(chunk)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class BlobStore:
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self.blob_root = root / "blobs" / "sha256"
        self.upload_root = root / "uploads"
        self._uploads: dict[str, Upload] = {}

    # -- lifecycle ---------------------------------------------------------------------

    def sweep(self) -> int:
        """Remove uploads and temporary files left by a crash; returns how many."""
        removed = 0
        self.blob_root.mkdir(parents=True, exist_ok=True)
        self.upload_root.mkdir(parents=True, exist_ok=True)
        for path in self.upload_root.iterdir():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        for path in self.blob_root.rglob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    def close(self) -> None:
        """Close the files of uploads in progress (at shutdown; they are swept at start)."""
        for upload in list(self._uploads.values()):
            upload.close()
        self._uploads.clear()

    def wipe(self) -> None:
        self.close()
        shutil.rmtree(self.blob_root, ignore_errors=True)
        shutil.rmtree(self.upload_root, ignore_errors=True)
        self.sweep()

    # -- blobs -------------------------------------------------------------------------

    def path(self, digest: str) -> Path:
        hex_ = check_digest(digest).partition(":")[2]
        return self.blob_root / hex_[:2] / hex_

    def size(self, digest: str) -> int | None:
        """The size of a stored blob, None when it is not stored (a metadata lookup)."""
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    async def stat(self, digest: str) -> int | None:
        """:meth:`size` on a thread."""
        return await asyncio.to_thread(self.size, digest)

    async def sizes(self, digests: list[str]) -> dict[str, int | None]:
        return await asyncio.to_thread(lambda: {d: self.size(d) for d in digests})

    # -- uploads -----------------------------------------------------------------------

    def start_upload(self, owner: tuple[str, str, str]) -> Upload:
        self._drop_idle()
        upload_id = str(uuid.uuid4())
        upload = Upload(id=upload_id, path=self.upload_root / upload_id, owner=owner)
        self._uploads[upload_id] = upload
        return upload

    def upload(self, upload_id: str, owner: tuple[str, str, str]) -> Upload:
        upload = self._uploads.get(upload_id)
        if upload is None or upload.owner != owner:
            raise RegistryError("BLOB_UPLOAD_UNKNOWN", detail={"uuid": upload_id})
        upload.touched = time.monotonic()
        return upload

    def _drop_idle(self) -> None:
        """Forget uploads abandoned for a day (their files go on a thread)."""
        now = time.monotonic()
        for upload in list(self._uploads.values()):
            if now - upload.touched > UPLOAD_IDLE_SECONDS and not upload.lock.locked():
                self._uploads.pop(upload.id, None)
                asyncio.get_running_loop().run_in_executor(None, self._discard, upload)

    async def append(self, upload: Upload, chunks: AsyncIterator[bytes]) -> None:
        """Stream a request body into the upload: batch N+1 is received from the wire
        while batch N is written and hashed on a thread."""
        pending: asyncio.Future[None] | None = None
        batch: list[bytes] = []
        batch_bytes = 0
        try:
            async for chunk in chunks:
                batch.append(chunk)
                batch_bytes += len(chunk)
                if batch_bytes >= BATCH:
                    if pending is not None:
                        await pending
                    pending = asyncio.ensure_future(self._take(upload, batch))
                    batch, batch_bytes = [], 0
            if pending is not None:
                await pending
                pending = None
            if batch:
                await self._take(upload, batch)
        except BaseException:
            if pending is not None:
                with contextlib.suppress(BaseException):
                    await pending
            raise

    async def _take(self, upload: Upload, batch: list[bytes]) -> None:
        """Write and hash one batch at the same time, on two threads."""
        await asyncio.gather(
            asyncio.to_thread(upload.write, batch, self.fsync),
            asyncio.to_thread(upload.hash, batch),
        )

    async def cancel(self, upload: Upload) -> None:
        self._uploads.pop(upload.id, None)
        await asyncio.to_thread(self._discard, upload)

    def _discard(self, upload: Upload) -> None:
        upload.close()
        with contextlib.suppress(FileNotFoundError):
            upload.path.unlink()

    async def complete(self, upload: Upload, digest: str) -> int:
        """Verify the upload against ``digest`` and make it the blob of that digest.

        A mismatch deletes the upload (DIGEST_INVALID); either way the upload is over.
        Returns the blob size.
        """
        self._uploads.pop(upload.id, None)
        try:
            check_digest(digest)
        except RegistryError:
            await asyncio.to_thread(self._discard, upload)
            raise
        actual = "sha256:" + upload.hasher.hexdigest()
        if actual != digest:
            await asyncio.to_thread(self._discard, upload)
            raise RegistryError(
                "DIGEST_INVALID",
                "provided digest did not match uploaded content",
                detail={"expected": digest, "actual": actual},
            )
        await asyncio.to_thread(self._install, upload, digest)
        return upload.size

    def _install(self, upload: Upload, digest: str) -> None:
        if upload.fd is None:  # an empty blob: nothing was ever written
            upload.fd = os.open(upload.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if self.fsync:
                os.fsync(upload.fd)
        finally:
            upload.close()
        final = self.path(digest)
        if final.exists():
            upload.path.unlink()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload.path, final)
        if self.fsync:
            fsync_dir(final.parent)
