"""Client connection hygiene for uvicorn's httptools protocol.

uvicorn 0.54 closes an idle keep-alive connection (``timeout_keep_alive``) only
after a response; a connection that never sends a complete request head is held
forever, so 500 slowloris clients hold 500 sockets. ``guarded_protocol`` returns
uvicorn's protocol with three guards added:

* a header-read timeout: a request's headers must be complete within
  ``header_read_timeout_s`` of the connection opening, or of the first byte of a
  later request on it (trickling bytes does not restart the clock);
* a cap on open connections: past ``max_connections`` a new connection is closed
  at once, before it costs anything;
* closed connections are logged at debug level, one line each.

uvicorn's "Invalid HTTP request received." warning (a client sending garbage) is
lowered to debug by ``quiet_client_noise``: clients must not be able to fill the
router's log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("router.connections")

_CLIENT_NOISE = ("Invalid HTTP request received.",)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the guards above (configured by ``configure``:
    class attributes, because uvicorn's spawned workers import the class by name)."""

    header_read_timeout_s: float = 10.0
    max_connections: int = 2048

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.debug("connection from %s closed: %d open", self.client, len(self.connections))
            transport.close()
            return
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None and self.header_read_timeout_s > 0:
            self._header_timer = self.loop.call_later(
                self.header_read_timeout_s, self._header_timeout
            )

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.debug(
                "connection from %s closed: no request head within %gs",
                self.client,
                self.header_read_timeout_s,
            )
            self.transport.close()


def guarded_protocol(header_read_timeout_s: float, max_connections: int) -> type[Any]:
    """Configure the guards for this process; returns the protocol class for uvicorn."""
    GuardedHttpToolsProtocol.header_read_timeout_s = header_read_timeout_s
    GuardedHttpToolsProtocol.max_connections = max_connections
    return GuardedHttpToolsProtocol


class _LowerClientNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and record.getMessage() in _CLIENT_NOISE:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_client_noise() -> None:
    """Log what a misbehaving client makes uvicorn say at debug level only."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _LowerClientNoise) for f in logger.filters):
        logger.addFilter(_LowerClientNoise())
