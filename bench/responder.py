"""A trivial HTTP/1.1 responder: a canned 200 for every request on a kept-alive connection.

The bench drives it with the same generator and the same replayed requests as the real
servers: the rate it reaches is the generator's ceiling on this machine, which must be
well above what either server manages for the server numbers to mean anything.

Run as ``python bench/responder.py HOST PORT``.
"""

from __future__ import annotations

import asyncio
import sys

BODY = b"ok"
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n"
FULL = HEADERS + BODY


def _content_length(head: bytes) -> int:
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end if end >= 0 else None].strip())


class Responder(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        out = []
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            total = end + 4 + _content_length(head)
            if len(buffer) < total:
                break
            out.append(HEADERS if head.startswith(b"HEAD ") else FULL)
            buffer = buffer[total:]
        self.buffer = buffer
        if out and self.transport is not None:
            self.transport.write(b"".join(out))


async def main(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Responder, host, port, backlog=1024)
    print(f"responder ready on http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
