"""The git smart HTTP bridge's body reader: chunks pulled from aiohttp's stream on the
handler thread, gzip decoded when aiohttp left it encoded, and the size limit."""

from __future__ import annotations

import asyncio
import gzip
import os

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from irisops.engines.git.smart_http import BodyReader, BodyTooLarge


def stream(*chunks: bytes) -> StreamReader:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader


def drain(body: BodyReader, size: int = 1000) -> bytes:
    out = bytearray()
    while chunk := body.recv(size):
        out += chunk
    return bytes(out)


async def read_all(data: list[bytes], *, gzip_declared: bool, limit: int = 1 << 20) -> bytes:
    loop = asyncio.get_running_loop()
    body = BodyReader(loop, stream(*data), gzip_declared=gzip_declared, limit=limit)
    return await asyncio.to_thread(drain, body)


async def test_plain_body_comes_through_in_pieces() -> None:
    payload = os.urandom(5000)
    assert await read_all([payload[:10], payload[10:]], gzip_declared=False) == payload


async def test_gzip_body_is_inflated_when_still_encoded() -> None:
    payload = b"0032want " + b"a" * 40 + b"\n" + os.urandom(3000)
    packed = gzip.compress(payload)
    assert await read_all([packed[:7], packed[7:]], gzip_declared=True) == payload


async def test_already_inflated_body_is_left_alone() -> None:
    """aiohttp inflates gzip bodies itself; the pkt-lines it hands on are not gzip."""
    payload = b"0009done\n"
    assert await read_all([payload], gzip_declared=True) == payload


@pytest.mark.parametrize("encoded", [False, True])
async def test_limit_counts_decoded_bytes(encoded: bool) -> None:
    payload = b"x" * 10_000  # compresses to a few dozen bytes
    data = gzip.compress(payload) if encoded else payload
    with pytest.raises(BodyTooLarge):
        await read_all([data], gzip_declared=encoded, limit=4096)
