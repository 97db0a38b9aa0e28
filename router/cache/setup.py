"""The cache plugins a router gets from its settings (``create_app`` installs them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from router.cache.admin import add_admin_route
from router.cache.entity_cache import EntityCache
from router.cache.invalidation import EventInvalidator, invalidate, tags_for_request
from router.cache.persisted import PersistedOperations
from router.cache.response_cache import Hints, ResponseCache
from router.cache.settings import CacheSettings, PersistedOperationsSettings
from router.cache.store import CacheStore, MemoryStore, RedisStore
from router.pipeline.plugin import Plugin

if TYPE_CHECKING:
    from fastapi import FastAPI


class CacheError(ValueError):
    """The cache settings cannot work (e.g. Redis asked for, no URL)."""


def build_store(settings: CacheSettings, redis_url: str | None) -> CacheStore:
    if settings.backend == "redis":
        url = settings.redis_url or redis_url
        if not url:
            raise CacheError(
                "cache.backend is redis but neither cache.redis_url nor REDIS_URL is set"
            )
        return RedisStore(url, settings.key_prefix)
    return MemoryStore(settings.max_bytes)


class CacheControl(Plugin):
    """The caches' shared parts: the admin invalidation route, event invalidation, and
    the store's lifetime. Hooks no request stage."""

    name = "cache"

    def __init__(self, settings: CacheSettings, store: CacheStore, admin_token: str | None) -> None:
        self.settings = settings
        self.store = store
        self.admin_token = admin_token
        nats_url = settings.invalidation.nats_url
        self.events = EventInvalidator(settings.invalidation, store) if nats_url else None
        self.admin_invalidations = 0

    def setup(self, app: FastAPI) -> None:
        async def handler(payload: Any) -> dict[str, Any]:
            tags = tags_for_request(payload)
            dropped = await invalidate(self.store, tags)
            self.admin_invalidations += 1
            return {"invalidated": dropped}

        add_admin_route(app, "/cache/invalidate", handler, self.admin_token)

    async def start(self) -> None:
        if self.events is not None:
            await self.events.start()

    async def stop(self) -> None:
        if self.events is not None:
            await self.events.stop()
        await self.store.close()

    def health(self, body: dict[str, Any]) -> None:
        section = body.setdefault("cache", {})
        section["store"] = self.store.stats()
        if self.events is not None:
            section["invalidation"] = self.events.health()


def cache_plugins(
    settings: CacheSettings, redis_url: str | None, admin_token: str | None
) -> list[Plugin]:
    """The response cache and/or entity cache plugins, sharing one store; none when off."""
    if not settings.enabled and not settings.entities:
        return []
    store = build_store(settings, redis_url)
    hints = Hints(settings)
    plugins: list[Plugin] = [CacheControl(settings, store, admin_token)]
    if settings.enabled:
        plugins.append(ResponseCache(settings, store, hints))
    if settings.entities:
        plugins.append(EntityCache(store, hints))
    return plugins


def persisted_plugin(
    settings: PersistedOperationsSettings, redis_url: str | None, admin_token: str | None
) -> Plugin | None:
    """The persisted-operations plugin, or ``None`` when APQ, manifests and safelisting
    are all off."""
    if not settings.apq and settings.mode == "allow_all" and settings.manifest is None:
        return None
    return PersistedOperations(settings, redis_url, admin_token)
