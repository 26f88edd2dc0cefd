"""The gateway's fast lane on a real socket: fast requests answered by the lane, every
other request (new connection, later on a lane connection, chunked, ``Expect``, too
large, malformed) handed to aiohttp with the bytes read so far; keep-alive, pipelining,
``Connection: close`` and a failing handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from irisops.gateway.fast_lane import FastAnswer, FastRequest, FastRoute, GatewaySite

MAX_BODY = 1024


def fast_handler(request: FastRequest, respond: Callable[[FastAnswer], None]) -> None:
    """Answers at once, or (names starting with "later") from a timer callback, as the
    runtime answers from the instance connection's callback."""
    name = request.path.split("/")[2]
    if name == "boom":
        raise RuntimeError("handler failed")
    body = b"lane:" + name.encode() + b":" + request.body
    answer = FastAnswer(200, "OK", [("X-Seen-Type", request.headers.get("content-type", ""))], body)
    if name.startswith("later"):
        asyncio.get_running_loop().call_later(0.01, respond, answer)
        respond_twice = asyncio.get_running_loop().call_later
        respond_twice(0.02, respond, FastAnswer(500, "X", [], b"a second answer is ignored"))
    else:
        respond(answer)


async def slow_route(request: web.Request) -> web.Response:
    body = await request.read()
    return web.Response(body=b"aiohttp:" + request.match_info["name"].encode() + b":" + body)


async def other_route(request: web.Request) -> web.Response:
    return web.Response(body=b"aiohttp-other")


@pytest.fixture
async def port() -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_post("/endpoints/{name}/invocations", slow_route)
    app.router.add_get("/other", other_route)
    runner = web.AppRunner(app)
    await runner.setup()
    route = FastRoute("POST", "/endpoints/", "/invocations", fast_handler, MAX_BODY)
    site = GatewaySite(runner, "127.0.0.1", 0, [route])
    await site.start()
    try:
        yield site.sockets[0].getsockname()[1]
    finally:
        await runner.cleanup()


def post(name: str, body: bytes, *extra: str) -> bytes:
    head = [f"POST /endpoints/{name}/invocations HTTP/1.1", "Host: x", "Content-Type: a/b"]
    head += [*extra]
    if not any(h.lower().startswith("transfer-encoding") for h in extra):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", 0))), 10)
    return status, headers, body


async def test_fast_requests_keep_alive_and_pipeline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post("one", b"a"))
    status, headers, body = await read_answer(reader)
    assert (status, body, headers["x-seen-type"]) == (200, b"lane:one:a", "a/b")
    writer.write(post("two", b"bb") + post("three", b"ccc"))  # pipelined
    assert (await read_answer(reader))[2] == b"lane:two:bb"
    assert (await read_answer(reader))[2] == b"lane:three:ccc"
    body_request = post("split", b"0123456789")
    for i in range(0, len(body_request), 7):  # head and body in pieces
        writer.write(body_request[i : i + 7])
        await writer.drain()
        await asyncio.sleep(0.01)
    assert (await read_answer(reader))[2] == b"lane:split:0123456789"
    writer.write(post("later1", b"x") + post("now", b"y") + post("later2", b"z"))
    answers = [(await read_answer(reader))[2] for _ in range(3)]
    assert answers == [b"lane:later1:x", b"lane:now:y", b"lane:later2:z"]  # in order
    writer.write(post("after", b"w"))  # the ignored second answers wrote nothing
    assert (await read_answer(reader))[2] == b"lane:after:w"
    writer.close()


async def test_other_requests_go_to_aiohttp_with_what_was_read(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await read_answer(reader))[2] == b"aiohttp-other"
    writer.write(post("after", b"x"))  # the connection now belongs to aiohttp
    assert (await read_answer(reader))[2] == b"aiohttp:after:x"
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post("first", b"1") + b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await read_answer(reader))[2] == b"lane:first:1"
    assert (await read_answer(reader))[2] == b"aiohttp-other"
    writer.close()


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (post("chunk", b"", "Transfer-Encoding: chunked") + b"3\r\nabc\r\n0\r\n\r\n", 200),
        (post("big", b"z" * (MAX_BODY + 1)), 200),
        (post("q", b"x").replace(b"/invocations", b"/invocations?a=1", 1), 200),
        (post("nested/path", b"x"), 404),
        (b"POST /endpoints/bad/invocations HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
    ],
)
async def test_requests_the_lane_does_not_take(
    port: int, request_bytes: bytes, expected: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request_bytes)
    status, _, body = await read_answer(reader)
    assert status == expected
    if expected == 200:
        assert body.startswith(b"aiohttp:")
    writer.close()


async def test_expect_continue_is_handled_by_aiohttp(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post("exp", b"", "Expect: 100-continue").replace(b"Length: 0", b"Length: 2"))
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert interim.startswith(b"HTTP/1.1 100")
    writer.write(b"ok")
    assert (await read_answer(reader))[2] == b"aiohttp:exp:ok"
    writer.close()


async def test_connection_close_and_a_failing_handler(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post("boom", b"x"))
    status, headers, body = await read_answer(reader)
    assert status == 500 and headers["x-amzn-errortype"] == "InternalFailure"
    assert b"InternalFailure" in body
    writer.write(post("still", b"y", "Connection: close"))  # the connection survived
    status, headers, body = await read_answer(reader)
    assert (status, body, headers["connection"]) == (200, b"lane:still:y", "close")
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
    writer.close()


async def test_client_half_close_gets_its_answer(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post("eof", b"e"))
    writer.write_eof()
    assert (await read_answer(reader))[2] == b"lane:eof:e"
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()


async def test_bytes_that_cannot_start_a_fast_request_are_handed_over_at_once(
    port: int,
) -> None:
    """A TLS hello (docker probing https first) waits for an answer before it sends
    more; aiohttp answers it 400 at once and the client falls back to plain HTTP."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    status, _, _ = await read_answer(reader)
    assert status == 400
    writer.close()
