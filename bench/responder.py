"""A trivial HTTP/1.1 server: the ceiling the bench's clients reach on this machine.

- any request: a canned ``200 ok`` on the kept-alive connection (a request body is read
  and dropped as it arrives, so a 64 MB PUT costs only the reading);
- ``GET /blob`` when started with a file: that file, sent with ``sendfile``.

The bench drives it with the same client and the same requests as the real servers; the
rate it reaches must be well above what either server manages for the server numbers to
be the servers' own. Run as ``python bench/responder.py HOST PORT [FILE]``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n"
FULL = HEADERS + b"ok"


def content_length(head: bytes) -> int:
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end if end >= 0 else None].strip())


class Responder(asyncio.Protocol):
    def __init__(self, blob: Path | None) -> None:
        self.blob = blob
        self.blob_size = blob.stat().st_size if blob else 0
        self.sending: asyncio.Task[None] | None = None
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        #: Bytes of the current request's body still to drop, and the answer after it.
        self.body_left = 0
        self.answer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        out = []
        while data:
            if self.body_left:
                taken = min(self.body_left, len(data))
                self.body_left -= taken
                data = data[taken:]
                if not self.body_left:
                    out.append(self.answer)
                continue
            buffer, self.buffer = self.buffer + data, b""
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                break
            head, data = buffer[:end], buffer[end + 4 :]
            if self.blob is not None and head.startswith(b"GET /blob "):
                self.transport.write(b"".join(out))
                self.transport.pause_reading()
                self.sending = asyncio.ensure_future(self.send_blob(self.blob, data))
                return
            answer = HEADERS if head.startswith(b"HEAD ") else FULL
            self.body_left = content_length(head)
            if self.body_left:
                self.answer = answer
            else:
                out.append(answer)
        if out:
            self.transport.write(b"".join(out))

    async def send_blob(self, blob: Path, rest: bytes) -> None:
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {self.blob_size}\r\n\r\n".encode()
        )
        with blob.open("rb") as f:
            await asyncio.get_running_loop().sendfile(self.transport, f)
        if not self.transport.is_closing():
            self.transport.resume_reading()
            if rest:
                self.data_received(rest)


async def main(host: str, port: int, blob: Path | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Responder(blob), host, port, backlog=1024)
    print(f"responder ready on http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]) if sys.argv[3:] else None))
