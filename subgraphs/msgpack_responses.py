"""MessagePack answers for clients that ask: a small ASGI middleware both services use.

The router asks a subgraph with MessagePack on for ``Accept: application/x-msgpack,
application/json;q=0.9`` and ``x-msgpack-enabled: 1`` (router/execution/
subgraph_client.py). Strawberry only writes JSON, so this middleware re-encodes a
finished JSON answer (GraphQL errors included) as MessagePack when the request asked
for it, and leaves every other request and response alone: without the header it
costs one header scan per request.

Why re-encode rather than teach the GraphQL layer: the schema code stays the same
for both encodings and the two services share one small piece. A body that is not
valid JSON, or holds a value MessagePack cannot carry (an integer beyond 64 bits), is
sent as the JSON it was.
"""

from __future__ import annotations

from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MSGPACK", "MsgpackResponses", "wants_msgpack"]

MSGPACK = "application/x-msgpack"
_ASKED = frozenset({b"application/x-msgpack", b"application/msgpack"})
_JSON = frozenset({b"application/json", b"application/graphql-response+json"})
_TRUE = frozenset({b"1", b"true", b"yes"})


def wants_msgpack(headers: list[tuple[bytes, bytes]] | Any) -> bool:
    """Whether a request's raw ASGI headers ask for MessagePack: ``x-msgpack-enabled``
    true, or an ``Accept`` naming a MessagePack type without ``q=0``."""
    for name, value in headers:
        if name == b"x-msgpack-enabled" and value.strip().lower() in _TRUE:
            return True
        if name == b"accept":
            for item in value.split(b","):
                media, _, params = item.partition(b";")
                if media.strip().lower() in _ASKED and not _zero_q(params):
                    return True
    return False


def _zero_q(params: bytes) -> bool:
    for param in params.split(b";"):
        key, _, number = param.partition(b"=")
        if key.strip().lower() == b"q":
            try:
                return float(number.strip()) == 0
            except ValueError:
                return False
    return False


def _media_type(headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.partition(b";")[0].strip().lower()
    return b""


def _as_msgpack(body: bytes) -> bytes | None:
    try:
        return bytes(msgpack.packb(orjson.loads(body), use_bin_type=True))
    except (orjson.JSONDecodeError, OverflowError, TypeError, ValueError):
        return None


class MsgpackResponses:
    """Pure ASGI middleware: JSON answers under ``path`` (the GraphQL endpoint)
    re-encoded as MessagePack when asked for; health and other routes stay JSON."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope.get("path", "").startswith(self.path)
            or not wants_msgpack(scope.get("headers", ()))
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if _media_type(list(message.get("headers", ()))) in _JSON:
                    start = message  # held until the whole body is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._send_converted(start, b"".join(chunks), send)
                return
            await send(message)

        await self.app(scope, receive, capture)

    async def _send_converted(self, start: Message, body: bytes, send: Send) -> None:
        packed = _as_msgpack(body)
        headers = list(start.get("headers", ()))
        if packed is not None:
            body = packed
            headers = [
                (name, value)
                for name, value in headers
                if name.lower() not in {b"content-type", b"content-length"}
            ]
            headers.append((b"content-type", MSGPACK.encode()))
            headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"vary", b"accept, x-msgpack-enabled"))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
