"""Response bodies: JSON with orjson, or MessagePack for clients that opt in.

A client opts in with ``x-msgpack-enabled: 1`` or an ``Accept`` naming
``application/x-msgpack`` (see ``http_request.response_media_type``). The JSON
path stays one ``orjson.dumps`` call; values orjson cannot write (bytes or
extension types from a MessagePack subgraph, non-string keys) only cost a second,
lenient attempt when they occur, so they never turn into a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
import orjson

MSGPACK = "application/x-msgpack"
JSON = "application/json"

log = logging.getLogger("router.response.encoding")


def encode(body: dict[str, Any], media_type: str) -> tuple[bytes, str]:
    """``(content, media type)``. Values neither format has (bytes in JSON, integers
    beyond 64 bits in MessagePack) are written as text; JSON falls back to the
    standard library for such integers; MessagePack falls back to JSON on any
    other packing error."""
    if media_type == MSGPACK:
        try:
            return msgpack.packb(body, default=_plain, use_bin_type=True), MSGPACK
        except (OverflowError, ValueError, TypeError) as exc:
            log.warning("response not representable as MessagePack, sent as JSON: %s", exc)
            media_type = JSON
    try:
        return orjson.dumps(body), media_type
    except TypeError:
        pass
    try:
        return orjson.dumps(body, default=_plain, option=orjson.OPT_NON_STR_KEYS), media_type
    except TypeError:  # integers beyond 64 bits: only the standard library writes them
        return json.dumps(body, default=_plain).encode(), media_type


def _plain(value: Any) -> Any:
    """A JSON-able stand-in for a value a subgraph's MessagePack answer carried."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)
