"""A lean HTTP/1.1 client for subgraph requests: pooled keep-alive connections on
asyncio protocols, answers parsed by httptools (llhttp, the parser uvicorn uses).

Why not aiohttp here: a subgraph request is always the same thing, one ``POST``
with a few headers and a JSON (or MessagePack) answer, and under the bench's 1-VU
load aiohttp's client machinery was 41% of the router's CPU (py-spy, GIL samples).
This client does only that exchange: one prebuilt request head per subgraph URL,
one ``write`` per request, the body collected by the parser's callbacks, and the
connection back in a LIFO pool. What it does not do, it does not pretend to:
no redirects, no cookies, no proxies, no compression (it never asks for any), no
pipelining. TLS (``https://``) uses the default certificate checks.

Failures are typed so that the caller can decide what may be retried:

* ``ConnectFailed``: no connection could be made (refused, unknown host, TLS);
* ``ConnectionLost``: the connection closed or reset before any byte of the answer
  (a pooled connection the server closed meanwhile: safe to retry a query);
* ``AnswerCut``: closed in the middle of the answer;
* ``BadAnswer``: the bytes were not an HTTP/1.1 answer;

all are ``TransportError`` (an ``OSError``); a deadline raises ``TimeoutError``.

Idle connections are kept ``keepalive_s`` (then closed by a sweep), so the router,
not the subgraph, is usually the side that closes an idle connection.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

__all__ = [
    "AnswerCut",
    "BadAnswer",
    "ConnectFailed",
    "ConnectionLost",
    "Http1Client",
    "HttpAnswer",
    "TransportError",
]

USER_AGENT = b"graphql-gateway"
_DEFAULT_CONTENT_TYPE = "application/octet-stream"


class TransportError(OSError):
    """A subgraph exchange failed below HTTP (no complete answer)."""


class ConnectFailed(TransportError):
    """No connection could be made to ``host:port``."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot connect to {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


class ConnectionLost(TransportError):
    """The connection closed (or was reset) before any byte of the answer."""


class AnswerCut(TransportError):
    """The connection closed in the middle of the answer."""


class BadAnswer(TransportError):
    """What came back is not an HTTP/1.1 answer."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    content_type: str
    """The media type, lower case, without parameters (``application/json``)."""


@dataclass(frozen=True, slots=True)
class _Target:
    """What one URL needs on the hot path, computed once per URL."""

    origin: tuple[str, str, int]
    host: str
    port: int
    tls: bool
    head: bytes
    """``POST <path> HTTP/1.1`` and the Host and User-Agent lines."""


@lru_cache(maxsize=1024)
def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ConnectFailed(parts.hostname or url, parts.port or 0, f"unsupported URL {url!r}")
    tls = scheme == "https"
    port = parts.port or (443 if tls else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host_header = parts.netloc.rpartition("@")[2]  # never send userinfo
    head = b"POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (
        path.encode(),
        host_header.encode("idna") if not host_header.isascii() else host_header.encode(),
        USER_AGENT,
    )
    return _Target((scheme, parts.hostname, port), parts.hostname, port, tls, head)


def _check(text: str) -> bytes:
    """A header name or value as bytes; CR, LF and NUL would split the request."""
    if "\r" in text or "\n" in text or "\0" in text:
        raise BadAnswer(f"header text with a line break refused: {text[:40]!r}")
    return text.encode()


def _lines(items: Iterable[tuple[str, str]]) -> bytes:
    """Header lines, ``Name: value\\r\\n`` each."""
    return b"".join(b"%s: %s\r\n" % (_check(k), _check(v)) for k, v in items)


@lru_cache(maxsize=256)
def _static_block(items: tuple[tuple[str, str], ...]) -> bytes:
    """The header lines of a fixed header set (a route's), encoded once."""
    return _lines(items)


def _header_block(headers: Mapping[str, str]) -> bytes:
    """The header lines: a header set seen before comes from ``_static_block``'s cache,
    but one with a ``traceparent`` is unique to its request (tracing sends one with
    every fetch) and would only push the route header sets out of the cache."""
    if "traceparent" in headers:
        return _lines(headers.items())
    return _static_block(tuple(headers.items()))


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[HttpAnswer] | None = None
        self.open = False
        self.idle_since = 0.0
        self.reusable = False
        self._status = 0
        self._content_type = _DEFAULT_CONTENT_TYPE
        self._chunks: list[bytes] = []
        self._started = False
        self._headers_done = False
        self._length_known = False

    # -- asyncio.Protocol ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods
        self.transport = cast(asyncio.Transport, transport)
        self.open = True

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: the connection cannot be trusted
            return
        self._started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadAnswer(f"invalid HTTP answer: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        reason = f": {exc}" if exc else ""
        if self._headers_done and not self._length_known:
            self.on_message_complete()  # an answer delimited by the connection's end
        elif self._started:
            self._fail(AnswerCut(f"connection closed in the middle of the answer{reason}"))
        else:
            self._fail(ConnectionLost(f"connection closed before an answer{reason}"))

    # -- httptools callbacks ------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            self._content_type = media.decode("latin-1") or _DEFAULT_CONTENT_TYPE
        elif lowered in (b"content-length", b"transfer-encoding"):
            self._length_known = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        self.reusable = self.open and self._length_known and self.parser.should_keep_alive()
        body = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        waiter.set_result(HttpAnswer(self._status, body, self._content_type))

    # -- the exchange -------------------------------------------------------------

    def _fail(self, exc: TransportError) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def exchange(self, request: bytes) -> asyncio.Future[HttpAnswer]:
        """Send one whole request; the future is its answer."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        if self.waiter is not None:  # a reused connection: a fresh parser state
            self.parser = httptools.HttpResponseParser(self)
            self._status = 0
            self._content_type = _DEFAULT_CONTENT_TYPE
            self._chunks = []
            self._started = self._headers_done = self._length_known = False
        self.reusable = False
        self.waiter = waiter = loop.create_future()
        if not self.open:
            waiter.set_exception(ConnectionLost("connection closed before the request"))
            return waiter
        self.transport.write(request)
        return waiter

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()


class Http1Client:
    """Pooled HTTP/1.1 ``POST``s; one per process (``SubgraphClient`` holds it).

    ``max_idle`` bounds the idle connections kept per origin (the number in use is
    bounded by the caller: ``SubgraphClient``'s semaphore)."""

    def __init__(self, keepalive_s: float = 4.0, max_idle: int = 256) -> None:
        self.keepalive_s = keepalive_s
        self.max_idle = max_idle
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._sweep: asyncio.TimerHandle | None = None
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: float | None,
        fresh: bool = False,
    ) -> HttpAnswer:
        """POST ``body``; ``fresh`` uses (and then closes) a new connection."""
        target = _target(url)
        request = b"%sContent-Length: %d\r\n%s\r\n%s" % (
            target.head,
            len(body),
            _header_block(headers),
            body,
        )
        self._closed = False
        connection = None if fresh else self._take(target.origin)
        try:
            async with asyncio.timeout(timeout):
                if connection is None:
                    connection = await self._connect(target)
                answer = await connection.exchange(request)
        except BaseException:
            if connection is not None:
                connection.close()
            raise
        if fresh or not connection.reusable:
            connection.close()
        else:
            self._release(target.origin, connection)
        return answer

    def _take(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        deadline = time.monotonic() - self.keepalive_s
        while idle:
            connection = idle.pop()  # the most recently used: least likely to be stale
            if connection.open and connection.idle_since > deadline:
                return connection
            connection.close()
        return None

    def _release(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        if self._closed:
            connection.close()
            return
        idle = self._idle.get(origin)
        if idle is None:
            idle = self._idle[origin] = deque()
        if len(idle) >= self.max_idle:
            idle.popleft().close()
        connection.idle_since = time.monotonic()
        idle.append(connection)
        if self._sweep is None:
            loop = asyncio.get_running_loop()
            self._sweep = loop.call_later(self.keepalive_s, self._close_expired)

    def _close_expired(self) -> None:
        """Close connections idle for ``keepalive_s``; again later while any is idle."""
        self._sweep = None
        deadline = time.monotonic() - self.keepalive_s
        for idle in self._idle.values():
            while idle and (not idle[0].open or idle[0].idle_since <= deadline):
                idle.popleft().close()
        if any(self._idle.values()):
            loop = asyncio.get_running_loop()
            self._sweep = loop.call_later(self.keepalive_s, self._close_expired)

    async def _connect(self, target: _Target) -> _Connection:
        loop = asyncio.get_running_loop()
        context: Any = None
        if target.tls:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            _, connection = await loop.create_connection(
                _Connection, target.host, target.port, ssl=context
            )
        except (OSError, ssl.SSLError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConnectFailed(target.host, target.port, reason or type(exc).__name__) from exc
        return connection

    def close(self) -> None:
        """Close the idle connections; ones in use close when their exchange ends."""
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self._idle.clear()
