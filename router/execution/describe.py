"""Readable text for a failed subgraph connection.

aiohttp's ``ClientConnectorError`` reads ``Cannot connect to host h:p ssl:default
[...]`` even for ``http://`` URLs, where TLS plays no part; operators then chase a
TLS problem that does not exist. ``describe`` names the address and the operating
system's reason instead, and keeps aiohttp's own text for TLS failures, where the
TLS detail is the point.
"""

from __future__ import annotations

import aiohttp


def describe(exc: BaseException) -> str:
    """``Type: text`` for a connection failure, without aiohttp's ``ssl:default``."""
    if isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(
        exc, aiohttp.ClientSSLError
    ):
        reason = exc.strerror or str(exc.os_error) or type(exc.os_error).__name__
        return f"{type(exc).__name__}: cannot connect to {exc.host}:{exc.port}: {reason}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
