"""Sending answers: plain bodies, files with sendfile, async streams."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from aiohttp import web

from irisops.gateway.body import FileBody, StreamBody


class FileResponse(web.StreamResponse):
    """Send a byte range of a file with ``sendfile`` (no copy through Python)."""

    def __init__(self, body: FileBody, *, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(status=status, headers=headers)
        self._body = body

    async def prepare(self, request: web.BaseRequest) -> None:  # type: ignore[override]
        fobj = await asyncio.to_thread(open, self._body.path, "rb")
        try:
            size = os.fstat(fobj.fileno()).st_size
            offset = self._body.offset
            count = self._body.length if self._body.length is not None else size - offset
            self.content_length = count
            writer = await super().prepare(request)
            if request.method == "HEAD" or count == 0:
                await super().write_eof()
                return
            transport = request.transport
            if transport is None:
                raise ConnectionResetError("connection lost")
            assert writer is not None
            await writer.drain()
            try:
                await request._loop.sendfile(transport, fobj, offset, count)
            except NotImplementedError:
                fobj.seek(offset)
                remaining = count
                while remaining > 0:
                    chunk = await asyncio.to_thread(fobj.read, min(1 << 20, remaining))
                    if not chunk:
                        break
                    await writer.write(chunk)
                    remaining -= len(chunk)
            await super().write_eof()
        finally:
            fobj.close()


class IteratorResponse(web.StreamResponse):
    """Send what an async iterator yields."""

    def __init__(self, body: StreamBody, *, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(status=status, headers=headers)
        self._body = body
        if body.length is not None:
            self.content_length = body.length

    async def prepare(self, request: web.BaseRequest) -> None:  # type: ignore[override]
        await super().prepare(request)
        if request.method != "HEAD":
            async for chunk in self._body.chunks:
                await self.write(chunk)
        await super().write_eof()


def payload_response(
    payload: bytes | str | FileBody | StreamBody | None,
    *,
    status: int,
    headers: dict[str, str],
) -> web.StreamResponse:
    if isinstance(payload, FileBody):
        return FileResponse(payload, status=status, headers=headers)
    if isinstance(payload, StreamBody):
        return IteratorResponse(payload, status=status, headers=headers)
    if isinstance(payload, str):
        payload = payload.encode()
    return web.Response(body=payload or b"", status=status, headers=headers)
