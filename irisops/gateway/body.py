"""Streaming payloads: request bodies handed to handlers unread, response bodies sent
without loading them into memory (files go out with sendfile)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import StreamReader, web

CHUNK = 1 << 20


class RequestBody:
    """A request payload marked ``streaming`` in the model, read once by the handler.

    ``content_length`` is the length of the payload the handler will read (for an
    ``aws-chunked`` upload, the decoded length).
    """

    def __init__(self, stream: StreamReader, content_length: int | None) -> None:
        self._stream = stream
        self.content_length = content_length
        self.trailers: dict[str, str] = {}

    @classmethod
    def from_request(cls, request: web.Request) -> RequestBody:
        """The gateway's way in: the body of ``request``, as the handler should read it."""
        return cls(request.content, request.content_length)

    async def chunks(self, size: int = CHUNK) -> AsyncIterator[bytes]:
        """The payload in chunks of at most ``size`` bytes, as they arrive."""
        while True:
            chunk = await self._stream.readany()
            if not chunk:
                return
            for start in range(0, len(chunk), size):
                yield chunk[start : start + size]

    async def read(self) -> bytes:
        parts = [chunk async for chunk in self.chunks()]
        return b"".join(parts)


@dataclass(frozen=True)
class FileBody:
    """Send ``length`` bytes of a file from ``offset`` (None = to the end)."""

    path: Path
    offset: int = 0
    length: int | None = None


@dataclass(frozen=True)
class StreamBody:
    """Send what an async iterator yields; ``length`` when known, else chunked."""

    chunks: AsyncIterator[bytes]
    length: int | None = None
