"""Streaming payloads: request bodies handed to handlers unread, response bodies sent
without loading them into memory (files go out with sendfile)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import StreamReader, web

from irisops.core.errors import AwsError

CHUNK = 1 << 20
#: The longest chunk header (``<hex>;chunk-signature=<64 hex>``) or trailer line accepted.
MAX_CHUNK_LINE = 8192
#: ``x-amz-content-sha256`` values that announce an ``aws-chunked`` payload.
STREAMING_PREFIX = "STREAMING-"


class IncompleteBody(AwsError):
    code = "IncompleteBody"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "You did not provide the number of bytes specified by the Content-Length HTTP header."
        )


class MalformedChunkedBody(AwsError):
    """An ``aws-chunked`` payload whose framing cannot be read."""

    code = "InvalidRequest"
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(f"Malformed aws-chunked payload: {detail}")


def is_aws_chunked(headers: Mapping[str, str]) -> bool:
    """Whether a request carries its payload in ``aws-chunked`` framing.

    SDKs announce it with ``Content-Encoding: aws-chunked`` (possibly after another
    coding, ``gzip,aws-chunked``) and a ``STREAMING-...`` payload hash; either suffices.
    """
    encodings = headers.get("Content-Encoding", "")
    if any(part.strip().lower() == "aws-chunked" for part in encodings.split(",")):
        return True
    return headers.get("x-amz-content-sha256", "").startswith(STREAMING_PREFIX)


class RequestBody:
    """A request payload marked ``streaming`` in the model, read once by the handler.

    ``content_length`` is the length of the payload the handler will read (for an
    ``aws-chunked`` upload, the decoded length).
    """

    def __init__(
        self,
        stream: StreamReader,
        content_length: int | None,
        trailer_names: tuple[str, ...] = (),
    ) -> None:
        self._stream = stream
        self.content_length = content_length
        #: Trailers the request announced (``x-amz-trailer``), lower-cased; their values
        #: are in ``trailers`` once the body has been read to the end.
        self.trailer_names = trailer_names
        self.trailers: dict[str, str] = {}

    @classmethod
    def from_request(cls, request: web.Request) -> RequestBody:
        """The gateway's way in: the body of ``request``, as the handler should read it.

        An ``aws-chunked`` payload is decoded transparently: the handler reads the object
        bytes, ``content_length`` is ``x-amz-decoded-content-length`` and the trailing
        headers (``x-amz-checksum-crc32``, ...) land in ``trailers`` once it is read.
        """
        return cls.from_stream(request.content, request.headers, request.content_length)

    @classmethod
    def from_stream(
        cls, stream: StreamReader, headers: Mapping[str, str], content_length: int | None
    ) -> RequestBody:
        if is_aws_chunked(headers):
            decoded = headers.get("x-amz-decoded-content-length")
            try:
                length = int(decoded) if decoded is not None else None
            except ValueError as exc:
                raise MalformedChunkedBody("bad x-amz-decoded-content-length") from exc
            announced = headers.get("x-amz-trailer", "")
            names = tuple(n.strip().lower() for n in announced.split(",") if n.strip())
            return AwsChunkedBody(stream, length, names)
        return cls(stream, content_length)

    async def chunks(self, size: int = CHUNK) -> AsyncIterator[bytes]:
        """The payload in chunks of at most ``size`` bytes, as they arrive.

        A connection lost before the end of the payload is S3's ``IncompleteBody``, so a
        handler cleans up after it like after any other failed request.
        """
        try:
            async for chunk in self._payload(size):
                yield chunk
        except ConnectionResetError as exc:
            raise IncompleteBody() from exc

    async def _payload(self, size: int) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._stream.readany()
            if not chunk:
                return
            for start in range(0, len(chunk), size):
                yield chunk[start : start + size]

    async def read(self) -> bytes:
        parts = [chunk async for chunk in self.chunks()]
        return b"".join(parts)


class AwsChunkedBody(RequestBody):
    """An ``aws-chunked`` payload, decoded as it is read.

    Each chunk is ``<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n``; a zero-size chunk
    ends the data and is followed by trailer lines ``name:value\r\n`` (unsigned or signed
    trailers) and an empty line. Chunk signatures are not verified here: signature checks
    belong to the gateway's authentication, which is off unless strict auth is on.
    """

    async def _payload(self, size: int) -> AsyncIterator[bytes]:
        received = 0
        while True:
            chunk_size = await self._chunk_header()
            if chunk_size == 0:
                break
            remaining = chunk_size
            while remaining:
                data = await self._stream.read(min(remaining, size))
                if not data:
                    raise IncompleteBody()
                remaining -= len(data)
                received += len(data)
                yield data
            try:
                crlf = await self._stream.readexactly(2)
            except asyncio.IncompleteReadError as exc:
                raise IncompleteBody() from exc
            if crlf != b"\r\n":
                raise MalformedChunkedBody("chunk data is not followed by CRLF")
        await self._read_trailers()
        if self.content_length is not None and received != self.content_length:
            raise IncompleteBody()

    async def _line(self) -> bytes | None:
        """One CRLF-terminated line without its terminator; None at the end of the stream."""
        try:
            line = await self._stream.readline(max_line_length=MAX_CHUNK_LINE)
        except ValueError as exc:
            raise MalformedChunkedBody("line too long") from exc
        if not line:
            return None
        if not line.endswith(b"\n"):
            raise IncompleteBody()
        return line.rstrip(b"\r\n")

    async def _chunk_header(self) -> int:
        line = await self._line()
        if line is None:
            raise IncompleteBody()
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise MalformedChunkedBody(f"bad chunk size {size_text[:32]!r}") from exc
        if size < 0:
            raise MalformedChunkedBody("negative chunk size")
        return size

    async def _read_trailers(self) -> None:
        while True:
            line = await self._line()
            if not line:
                return
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise MalformedChunkedBody(f"bad trailer line {line[:64]!r}")
            self.trailers[name.strip().lower()] = value.strip()


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
