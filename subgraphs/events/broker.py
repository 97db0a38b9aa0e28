"""The NATS JetStream connection every publisher and processor shares.

Streams are declared in code at connect time, idempotently (created when missing,
updated to the configured limits otherwise), so a fresh NATS needs no setup step:

- `EVENTS`: `records.>`, `categories.>` and `replay.>`; limits retention, file storage,
  `max_age` 7 days, duplicate window 20 minutes (the relay's re-publishes are dropped).
- `EVENTS_DLQ`: `dlq.>`; limits retention, file storage, `max_age` 30 days.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from subgraphs.events.envelope import Event, encode
from subgraphs.events.settings import EventSettings

log = logging.getLogger("subgraphs.events")

# Everything that means "the broker did not take it; try again later".
BROKER_ERRORS: tuple[type[BaseException], ...] = (NatsError, OSError, TimeoutError)


def stream_configs(settings: EventSettings) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=settings.events_stream,
            description="Domain events (CloudEvents JSON) from the records and categories services",
            subjects=settings.event_subjects(),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=settings.events_max_age,
            duplicate_window=settings.duplicate_window,
        ),
        StreamConfig(
            name=settings.dlq_stream,
            description="Events a processor gave up on after max_deliver attempts",
            subjects=[settings.subject("dlq.>")],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=settings.dlq_max_age,
            duplicate_window=settings.duplicate_window,
        ),
    ]


async def declare_streams(js: JetStreamContext, settings: EventSettings) -> None:
    """Create the streams, or bring existing ones to the configured settings."""
    for config in stream_configs(settings):
        try:
            await js.stream_info(str(config.name))
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


class Broker:
    """One NATS connection (reconnecting forever once made) plus its JetStream context."""

    def __init__(self, settings: EventSettings, client_name: str) -> None:
        self.settings = settings
        self.client_name = client_name
        self.nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.last_error: str | None = None
        self._closing = False

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise ConnectionError("not connected to NATS")
        return self._js

    async def _on_error(self, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if message != self.last_error:
            log.warning("nats %s: %s", self.settings.nats_url, message)
        self.last_error = message

    async def _on_disconnect(self) -> None:
        if self._closing:
            return
        log.warning("nats %s: disconnected", self.settings.nats_url)

    async def _on_reconnect(self) -> None:
        self.last_error = None
        log.info("nats %s: reconnected", self.settings.nats_url)

    async def connect(self, attempts: int = -1) -> None:
        """Connect (nats-py retries `attempts` times, forever when -1) and declare the
        streams; raises on failure. Once connected the client reconnects forever."""
        nc = await nats.connect(
            self.settings.nats_url,
            name=self.client_name,
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=attempts,
            reconnect_time_wait=0.5,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnect,
            reconnected_cb=self._on_reconnect,
        )
        try:
            js = nc.jetstream(timeout=5)
            await declare_streams(js, self.settings)
        except BaseException:
            await nc.close()
            raise
        self.nc, self._js, self.last_error = nc, js, None

    async def connect_forever(self, delay: float = 0.5, max_delay: float = 5.0) -> None:
        """Retry `connect` with backoff until it works (a service must start without NATS)."""
        while True:
            try:
                await self.connect()
                return
            except BROKER_ERRORS as exc:
                await self._on_error(exc if isinstance(exc, Exception) else Exception(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)

    async def publish(self, event: Event, timeout: float = 5.0) -> PubAck:
        """Publish on the event type's subject with Nats-Msg-Id = event id."""
        from subgraphs.events.catalog import EVENT_TYPES

        subject = self.settings.subject(EVENT_TYPES[event["type"]].subject)
        return await self.publish_raw(subject, encode(event), {"Nats-Msg-Id": event["id"]}, timeout)

    async def publish_raw(
        self, subject: str, body: bytes, headers: dict[str, str], timeout: float = 5.0
    ) -> PubAck:
        return await self.js.publish(subject, body, timeout=timeout, headers=headers)

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.settings.nats_url,
            "connected": self.connected,
            **({"error": self.last_error} if self.last_error and not self.connected else {}),
        }

    async def close(self) -> None:
        nc, self.nc, self._js = self.nc, None, None
        if nc is not None and not nc.is_closed:
            self._closing = True
            await nc.close()
