"""The lean HTTP/1.1 client against real TCP servers that answer in every way HTTP
allows (lengths, chunks, the end of the connection) and fail in the ways subgraphs do
(refuse, close before or in the middle of an answer, hang, keep sending garbage)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from router.execution.http1 import (
    AnswerCut,
    BadAnswer,
    ConnectFailed,
    ConnectionLost,
    Http1Client,
)
from tests.support import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A raw TCP server; counts connections and keeps the requests it read."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Server:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await reader.readexactly(length)
        self.requests.append(head + body)
        return body


def answering(answer: bytes, *, times: int = 1000) -> Callable[[Server], Handler]:
    """A server answering each request on a connection with ``answer``."""

    def make(server: Server) -> Handler:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for _ in range(times):
                await server.read_request(reader)
                writer.write(answer)
                await writer.drain()

        return handler

    return make


async def start(make: Callable[[Server], Handler]) -> Server:
    server = Server(lambda r, w: asyncio.sleep(0))
    server.handler = make(server)
    return await server.__aenter__()


@pytest.fixture
async def client() -> AsyncIterator[Http1Client]:
    http = Http1Client(keepalive_s=4.0)
    yield http
    http.close()


JSON_OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 11\r\n\r\n{"data":{}}'


async def test_keep_alive_reuses_one_connection(client: Http1Client) -> None:
    server = await start(answering(JSON_OK))
    for _ in range(5):
        answer = await client.post(server.url, b'{"query":"{a}"}', {"X-Test": "1"}, 5)
        assert (answer.status, answer.body, answer.content_type) == (
            200,
            b'{"data":{}}',
            "application/json",
        )
    assert server.connections == 1
    request = server.requests[0]
    assert request.startswith(b"POST /graphql HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:%d\r\n" % server.port in request
    assert b"\r\nContent-Length: 15\r\n" in request
    assert b"\r\nX-Test: 1\r\n" in request
    assert request.endswith(b'\r\n\r\n{"query":"{a}"}')
    await server.__aexit__()


async def test_chunked_and_connection_delimited_answers(client: Http1Client) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b'5\r\n{"dat\r\n6\r\na":{}}\r\n0\r\n\r\n'
    )
    server = await start(answering(chunked))
    answer = await client.post(server.url, b"{}", {}, 5)
    assert answer.body == b'{"data":{}}'
    await client.post(server.url, b"{}", {}, 5)
    assert server.connections == 1  # a chunked answer keeps the connection
    await server.__aexit__()

    until_close = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b'{"data":{"x":1}}'
    server = await start(answering(until_close, times=1))
    answer = await client.post(server.url, b"{}", {}, 5)
    assert answer.body == b'{"data":{"x":1}}'
    answer = await client.post(server.url, b"{}", {}, 5)  # never reused: a new connection
    assert server.connections == 2
    await server.__aexit__()


async def test_connection_close_is_honoured(client: Http1Client) -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\n" + b'{"data":{}}'
    server = await start(answering(closing))
    await client.post(server.url, b"{}", {}, 5)
    await client.post(server.url, b"{}", {}, 5)
    assert server.connections == 2
    await server.__aexit__()


async def test_refused_connection_is_connect_failed(client: Http1Client) -> None:
    port = free_port()
    with pytest.raises(ConnectFailed) as failure:
        await client.post(f"http://127.0.0.1:{port}/graphql", b"{}", {}, 5)
    assert f"cannot connect to 127.0.0.1:{port}" in str(failure.value)


async def test_close_before_the_answer_is_connection_lost(client: Http1Client) -> None:
    def make(server: Server) -> Handler:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await server.read_request(reader)  # then close without a byte

        return handler

    server = await start(make)
    with pytest.raises(ConnectionLost):
        await client.post(server.url, b"{}", {}, 5)
    await server.__aexit__()


async def test_close_in_the_middle_of_the_answer_is_answer_cut(client: Http1Client) -> None:
    half = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"data":'
    server = await start(answering(half, times=1))
    with pytest.raises(AnswerCut):
        await client.post(server.url, b"{}", {}, 5)
    await server.__aexit__()


async def test_garbage_is_a_bad_answer(client: Http1Client) -> None:
    server = await start(answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n", times=1))
    with pytest.raises(BadAnswer):
        await client.post(server.url, b"{}", {}, 5)
    await server.__aexit__()


async def test_deadline_raises_timeout_and_drops_the_connection(client: Http1Client) -> None:
    def make(server: Server) -> Handler:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            body = await server.read_request(reader)
            if body == b"slow":
                await asyncio.sleep(2)
            writer.write(JSON_OK)
            await writer.drain()
            await server.read_request(reader)
            writer.write(JSON_OK)
            await writer.drain()

        return handler

    server = await start(make)
    with pytest.raises(TimeoutError):
        await client.post(server.url, b"slow", {}, 0.2)
    # the late answer must not be read as the next request's: a new connection
    answer = await client.post(server.url, b"fast", {}, 5)
    assert answer.status == 200
    assert server.connections == 2
    await server.__aexit__()


async def test_a_line_break_in_a_header_is_refused(client: Http1Client) -> None:
    server = await start(answering(JSON_OK))
    with pytest.raises(BadAnswer):
        await client.post(server.url, b"{}", {"X-Evil": "a\r\nX-Injected: 1"}, 5)
    assert server.requests == []
    await server.__aexit__()


async def test_per_request_trace_headers_are_sent_but_not_cached(client: Http1Client) -> None:
    from router.execution.http1 import _static_block

    server = await start(answering(JSON_OK))
    route = {"content-type": "application/json"}
    await client.post(server.url, b"{}", route, 5)
    cached = _static_block.cache_info().currsize
    for n in range(3):
        parent = f"00-{n:032x}-{n:016x}-01"
        await client.post(server.url, b"{}", {**route, "traceparent": parent}, 5)
        assert f"\r\ntraceparent: {parent}\r\n".encode() in server.requests[-1]
    assert _static_block.cache_info().currsize == cached  # one entry per route, not per trace
    with pytest.raises(BadAnswer):
        await client.post(server.url, b"{}", {"traceparent": "00-x\r\nX-Injected: 1"}, 5)
    assert len(server.requests) == 4
    await server.__aexit__()


async def test_idle_connections_are_closed_after_keepalive() -> None:
    closed = asyncio.Event()

    def make(server: Server) -> Handler:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await server.read_request(reader)
            writer.write(JSON_OK)
            await writer.drain()
            assert await reader.read() == b""  # the client closed its side
            closed.set()

        return handler

    http = Http1Client(keepalive_s=0.2)
    server = await start(make)
    await http.post(server.url, b"{}", {}, 5)
    await asyncio.wait_for(closed.wait(), 3)
    http.close()
    await server.__aexit__()


async def test_a_connection_the_server_closed_while_idle_is_not_used(client: Http1Client) -> None:
    server = await start(answering(JSON_OK, times=1))  # closes after each answer
    await client.post(server.url, b"{}", {}, 5)
    await asyncio.sleep(0.1)  # the close reaches the idle connection
    answer = await client.post(server.url, b"{}", {}, 5)
    assert answer.status == 200
    assert server.connections == 2
    await server.__aexit__()
