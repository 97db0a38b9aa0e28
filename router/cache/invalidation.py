"""Invalidation: what to drop for an admin request or a domain event.

Admin API, ``POST /admin/api/cache/invalidate`` with one of
``{"all": true}``, ``{"type": "Record"}``, ``{"type": "Record", "key": {"id": "42"}}``.

Events: with ``cache.invalidation.nats_url``, each router process subscribes (core
NATS: JetStream publishes reach core subscribers too) to ``cache.invalidation.subjects``
and, for a CloudEvent whose ``type`` is listed in ``cache.invalidation.events``, drops
the entries that touched the record ``{"id": <subject>}`` of the mapped GraphQL type.
Every process subscribes, so each drops its own memory entries; with Redis the same
drop happens once per process, which is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import orjson

from router.admin.errors import bad_request
from router.cache.settings import CacheInvalidationSettings
from router.cache.store import CacheStore
from router.cache.tags import record_invalidation_tags, type_tag

log = logging.getLogger("router.cache")

MAX_EVENT_BYTES = 1024 * 1024
MAX_KEY_FIELDS = 16
RECONNECT_S = 2.0


def tags_for_request(payload: Any) -> list[str] | None:
    """The tags an admin invalidation names; ``None`` = everything. Raises ``AdminError``."""
    if not isinstance(payload, dict):
        raise bad_request("The body must be a JSON object.")
    if payload.get("all") is True:
        return None
    type_name = payload.get("type")
    if not isinstance(type_name, str) or not type_name.isidentifier():
        raise bad_request('Send {"all": true}, {"type": "T"} or {"type": "T", "key": {...}}.')
    key = payload.get("key")
    if key is None:
        return [type_tag(type_name)]
    if (
        not isinstance(key, dict)
        or not key
        or len(key) > MAX_KEY_FIELDS
        or not all(isinstance(k, str) for k in key)
    ):
        raise bad_request('"key" must be an object of key fields, e.g. {"id": "42"}.')
    return record_invalidation_tags(type_name, key)


async def invalidate(store: CacheStore, tags: list[str] | None) -> int:
    return await store.clear() if tags is None else await store.invalidate(tags)


class EventInvalidator:
    """Subscribes to domain events and invalidates the records they name."""

    def __init__(self, settings: CacheInvalidationSettings, store: CacheStore) -> None:
        assert settings.nats_url is not None
        self.url = settings.nats_url
        self.subjects = settings.subjects
        self.types: Mapping[str, str] = dict(settings.events)
        self.store = store
        self.connection: Any = None
        self.task: asyncio.Task[None] | None = None
        self.received = 0
        self.invalidated = 0
        self.last_error: str | None = None
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        """Connect in the background: a NATS outage never delays the router's start."""
        self.task = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        import nats

        while True:
            try:
                self.connection = await nats.connect(
                    self.url,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=RECONNECT_S,
                    connect_timeout=RECONNECT_S,
                )
                for subject in self.subjects:
                    await self.connection.subscribe(subject, cb=self._on_message)
                await self.connection.flush()
                self.last_error = None
                self.subscribed.set()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.last_error is None:
                    log.warning("cache invalidation: cannot reach NATS at %s: %s", self.url, exc)
                self.last_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(RECONNECT_S)

    async def _on_message(self, message: Any) -> None:
        self.received += 1
        data = message.data
        if len(data) > MAX_EVENT_BYTES:
            return
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(event, dict):
            return
        type_name = self.types.get(str(event.get("type")))
        subject = event.get("subject")
        if type_name is None or not isinstance(subject, str) or not subject:
            return
        try:
            self.invalidated += await self.store.invalidate(
                record_invalidation_tags(type_name, {"id": subject})
            )
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("cache invalidation for %s %s failed: %s", type_name, subject, exc)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()

    def health(self) -> dict[str, Any]:
        connected = bool(self.connection is not None and self.connection.is_connected)
        return {
            "url": self.url,
            "connected": connected,
            "events": self.received,
            "invalidated": self.invalidated,
            "lastError": self.last_error,
        }
