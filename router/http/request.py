"""HTTP stage: turn a POST body or GET query string into a ``GraphQLRequest``.

Follows the GraphQL-over-HTTP conventions: JSON body with ``query``,
``operationName``, ``variables``, ``extensions``; GET parameters of the same
names (``variables``/``extensions`` JSON-encoded). Anything malformed is a
``RequestError`` with status 400 (413 for a body over the size limit).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from router.errors import (
    BAD_REQUEST,
    INVALID_JSON,
    PAYLOAD_TOO_LARGE,
    REQUEST_TIMEOUT,
    RequestError,
)
from router.ops import gil

LARGE_BODY_BYTES = 64 * 1024
"""Bodies above this count towards a garbage collection (``gil.note_body``)."""
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
MSGPACK = "application/x-msgpack"


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def response_media_type(accept: str | None, msgpack_flag: str | None = None) -> str:
    """``application/x-msgpack`` for clients that opt in (``x-msgpack-enabled: 1`` or
    an ``Accept`` naming MessagePack), ``application/graphql-response+json`` when the
    client asks for it, else JSON."""
    if msgpack_flag is not None and msgpack_flag.strip().lower() in ("1", "true", "yes"):
        return MSGPACK
    if accept:
        if "msgpack" in accept:  # application/x-msgpack or application/msgpack
            return MSGPACK
        if GRAPHQL_RESPONSE_JSON in accept:
            return GRAPHQL_RESPONSE_JSON
    return JSON


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


async def read_graphql_request(
    request: Request, max_body_bytes: int, body_timeout_s: float | None = None
) -> GraphQLRequest:
    if request.method == "GET":
        params = request.query_params
        return _build(
            {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
                "variables": _json_param(params.get("variables"), "variables"),
                "extensions": _json_param(params.get("extensions"), "extensions"),
            }
        )
    body = await _read_body(request, max_body_bytes, body_timeout_s)
    if len(body) > LARGE_BODY_BYTES:
        gil.note_body(len(body))
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/graphql") and "json" not in content_type:
        return _build({"query": body.decode("utf-8", errors="replace")})
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError.single(400, f"Malformed JSON body: {exc}", INVALID_JSON) from exc
    if not isinstance(payload, dict):
        raise RequestError.single(400, "The request body must be a JSON object.", BAD_REQUEST)
    return _build(payload)


async def _read_body(request: Request, limit: int, timeout_s: float | None) -> bytes:
    """The body, at most ``limit`` bytes, within ``timeout_s``: a client trickling its
    body holds a connection and a task, so a slow body is cut off like slow headers."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    if timeout_s is None:
        return await _read_chunks(request, limit)
    try:
        async with asyncio.timeout(timeout_s):
            return await _read_chunks(request, limit)
    except TimeoutError:
        raise RequestError.single(
            408,
            f"The request body did not arrive within {timeout_s:g} seconds.",
            REQUEST_TIMEOUT,
            headers={"connection": "close"},
        ) from None


async def _read_chunks(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> RequestError:
    return RequestError.single(
        413, f"The request body exceeds the limit of {limit} bytes.", PAYLOAD_TOO_LARGE
    )


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError.single(
            400, f"The '{name}' parameter is not valid JSON.", INVALID_JSON
        ) from exc


def _build(payload: dict[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    extensions = payload.get("extensions")
    if query is None and isinstance(extensions, dict) and "persistedQuery" in extensions:
        query = ""  # a persisted query's hash alone: resolved by a plugin, or refused later
    elif query is None or query == "":
        raise RequestError.single(400, "The request has no 'query'.", BAD_REQUEST)
    if not isinstance(query, str):
        raise RequestError.single(400, "'query' must be a string.", BAD_REQUEST)
    operation_name = payload.get("operationName")
    if operation_name == "":
        operation_name = None
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError.single(400, "'operationName' must be a string.", BAD_REQUEST)
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError.single(400, "'variables' must be a JSON object.", BAD_REQUEST)
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError.single(400, "'extensions' must be a JSON object.", BAD_REQUEST)
    return GraphQLRequest(query, operation_name, variables, extensions)
