"""RequestBody: plain and ``aws-chunked`` payloads as a handler reads them."""

from __future__ import annotations

import asyncio
import base64
import zlib

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from irisops.core.errors import AwsError
from irisops.gateway.body import AwsChunkedBody, RequestBody, is_aws_chunked


def stream_of(*pieces: bytes) -> StreamReader:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    for piece in pieces:
        reader.feed_data(piece)
    reader.feed_eof()
    return reader


def signed_chunks(data: bytes, chunk: int) -> bytes:
    out = b""
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        out += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(part), b"a" * 64, part)
    return out + b"0;chunk-signature=" + b"b" * 64 + b"\r\n\r\n"


def unsigned_trailer_chunks(data: bytes, chunk: int, trailers: dict[str, str]) -> bytes:
    out = b""
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    out += b"0\r\n"
    for name, value in trailers.items():
        out += f"{name}:{value}\r\n".encode()
    return out + b"\r\n"


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


async def test_plain_body_is_read_as_is() -> None:
    body = RequestBody.from_stream(stream_of(b"hello ", b"world"), {}, 11)
    assert type(body) is RequestBody
    assert await body.read() == b"hello world"
    assert body.trailers == {}


async def test_signed_chunks_are_decoded() -> None:
    data = bytes(range(256)) * 300
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": str(len(data)),
    }
    wire = signed_chunks(data, 8192)
    body = RequestBody.from_stream(stream_of(wire[:1000], wire[1000:]), headers, len(wire))
    assert isinstance(body, AwsChunkedBody)
    assert body.content_length == len(data)
    assert await body.read() == data


async def test_unsigned_trailer_chunks_capture_the_checksum() -> None:
    data = b"x" * 100_000
    checksum = crc32_b64(data)
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": str(len(data)),
    }
    wire = unsigned_trailer_chunks(data, 65536, {"x-amz-checksum-crc32": checksum})
    body = RequestBody.from_stream(stream_of(wire), headers, None)
    chunks = [chunk async for chunk in body.chunks(size=10_000)]
    assert max(len(c) for c in chunks) <= 10_000
    assert b"".join(chunks) == data
    assert body.trailer_names == ("x-amz-checksum-crc32",)
    assert body.trailers == {"x-amz-checksum-crc32": checksum}


async def test_gzip_then_aws_chunked_is_detected() -> None:
    assert is_aws_chunked({"Content-Encoding": "gzip, aws-chunked"})
    assert is_aws_chunked({"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
    assert not is_aws_chunked({"Content-Encoding": "gzip"})
    assert not is_aws_chunked({"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})


async def test_empty_chunked_payload() -> None:
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "0"}
    body = RequestBody.from_stream(stream_of(b"0\r\n\r\n"), headers, 5)
    assert await body.read() == b""


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        (b"10\r\nshort", "IncompleteBody"),
        (b"zz\r\nabc\r\n0\r\n\r\n", "InvalidRequest"),
        (b"3\r\nabcXY0\r\n\r\n", "InvalidRequest"),
        (b"3\r\nabc\r\n", "IncompleteBody"),
    ],
)
async def test_broken_framing_is_an_aws_error(wire: bytes, code: str) -> None:
    body = RequestBody.from_stream(stream_of(wire), {"Content-Encoding": "aws-chunked"}, None)
    with pytest.raises(AwsError) as info:
        await body.read()
    assert info.value.code == code


async def test_decoded_length_mismatch_is_incomplete_body() -> None:
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "10"}
    body = RequestBody.from_stream(stream_of(b"3\r\nabc\r\n0\r\n\r\n"), headers, None)
    with pytest.raises(AwsError) as info:
        await body.read()
    assert info.value.code == "IncompleteBody"


async def test_a_connection_lost_mid_body_is_incomplete_body() -> None:
    loop = asyncio.get_running_loop()
    reader = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    reader.feed_data(b"half of it")
    reader.set_exception(ConnectionResetError("Connection lost"))
    body = RequestBody.from_stream(reader, {}, 100)
    with pytest.raises(AwsError) as info:
        await body.read()
    assert (info.value.code, info.value.status) == ("IncompleteBody", 400)
