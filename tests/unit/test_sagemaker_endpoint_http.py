"""The instance client against a real socket server: Content-Length and chunked answers,
connections kept alive and reused, an idle connection the container closed replaced,
a timeout, and an answer that is not HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from irisops.engines.sagemaker.endpoint_http import BadAnswer, InstanceClient, InstanceUnreachable

Reply = Callable[[bytes], bytes | None]


@pytest.fixture
async def server() -> AsyncIterator[tuple[list[Reply], list[int]]]:
    """A server answering each request with ``replies[0](request)`` (None: close)."""
    replies: list[Reply] = []
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":")[1])
                body = await reader.readexactly(length)
                answer = replies[0](head + body)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    srv = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    replies.append(lambda _: None)
    connections.append(port)
    yield replies, connections
    srv.close()
    await srv.wait_closed()


def fixed(body: bytes, extra: str = "") -> Reply:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {len(body)}\r\n"
    return lambda _: (head + extra + "\r\n").encode() + body


async def test_keep_alive_and_reuse(server: tuple[list[Reply], list[int]]) -> None:
    replies, connections = server
    port = connections.pop()
    replies[0] = fixed(b"setosa\n", "X-Amzn-SageMaker-Custom-Attributes: a=1\r\n")
    client = InstanceClient(port)
    for _ in range(3):
        answer = await client.post("/invocations", {"Content-Type": "text/csv"}, b"1,2,3,4", 5)
        assert (answer.status, answer.body) == (200, b"setosa\n")
        assert answer.headers["x-amzn-sagemaker-custom-attributes"] == "a=1"
    assert len(connections) == 1
    answers = await asyncio.gather(*(client.post("/invocations", {}, b"x", 5) for _ in range(4)))
    assert {a.body for a in answers} == {b"setosa\n"}
    assert len(connections) == 4
    client.close()


async def test_chunked_and_large_bodies(server: tuple[list[Reply], list[int]]) -> None:
    replies, connections = server
    port = connections.pop()
    replies[0] = lambda _: (
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
    )
    client = InstanceClient(port)
    answer = await client.post("/invocations", {}, b"x" * 200_000, 5)
    assert (answer.status, answer.body) == (400, b"hello, world")
    answer = await client.post("/invocations", {}, b"", 5)
    assert answer.body == b"hello, world"
    assert len(connections) == 1
    client.close()


async def test_closed_idle_connection_is_replaced(server: tuple[list[Reply], list[int]]) -> None:
    replies, connections = server
    port = connections.pop()
    calls = []

    def once_then_close(request: bytes) -> bytes | None:
        calls.append(request)
        return fixed(b"ok")(request) if len(calls) != 2 else None

    replies[0] = once_then_close
    client = InstanceClient(port)
    assert (await client.post("/invocations", {}, b"a", 5)).body == b"ok"
    # The server drops the connection on the second request without answering; that
    # connection had already served, so the client tries a new one.
    assert (await client.post("/invocations", {}, b"b", 5)).body == b"ok"
    assert len(connections) == 2
    client.close()


async def test_timeout_and_bad_answers(server: tuple[list[Reply], list[int]]) -> None:
    replies, connections = server
    port = connections.pop()
    replies[0] = lambda _: b""
    client = InstanceClient(port)
    with pytest.raises(TimeoutError):
        await client.post("/invocations", {}, b"x", 0.2)
    replies[0] = lambda _: b"SSH-2.0-nope\r\n\r\n"
    with pytest.raises(BadAnswer):
        await client.post("/invocations", {}, b"x", 5)
    replies[0] = lambda _: None
    with pytest.raises(InstanceUnreachable):
        await client.post("/invocations", {}, b"x", 5)
    client.close()
    with pytest.raises(InstanceUnreachable):
        await InstanceClient(1).post("/invocations", {}, b"x", 5)
