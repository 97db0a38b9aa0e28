"""Rate limiting: requests per client, with the ``limits`` library.

Counters live in Redis when ``rate_limit.redis_url`` (or ``REDIS_URL``) is set, so
every worker and replica shares one count, and in process memory otherwise. The
moving-window strategy (the default) is exact: on Redis each hit is one atomic Lua
script, so N routers sharing Redis let exactly ``limit`` requests through.

A client over its limit gets 429 ``RATE_LIMITED`` with ``Retry-After`` and the IETF
``RateLimit-Limit`` / ``RateLimit-Remaining`` / ``RateLimit-Reset`` headers. While
Redis is unreachable, ``on_backend_error`` decides (``allow`` by default); the outage
is logged at most once a minute and counted in ``gateway_rate_limit_backend_errors``.

The plugin also counts requests per API key per minute in the same backend, for the
usage consolidator (``router.plugins.usage_counters``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from prometheus_client import Counter

from router.config.traffic import RateLimitSettings
from router.errors import RequestError
from router.pipeline.plugin import Plugin, ResponseOut
from router.plugins.usage_counters import UsageCounters, usage_counters

if TYPE_CHECKING:
    from fastapi import FastAPI

    from router.pipeline.context import RequestContext

log = logging.getLogger("router.rate_limit")

RATE_LIMITED = "RATE_LIMITED"
RATE_LIMIT_UNAVAILABLE = "RATE_LIMIT_UNAVAILABLE"
MAX_KEY_LENGTH = 128
BACKEND_TIMEOUT_S = 0.5
"""Longest a Redis call may take before it counts as a backend error."""
LOG_EVERY_S = 60.0

_STRATEGIES: dict[str, type[RateLimiter]] = {
    "moving-window": MovingWindowRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
}


def redis_storage_uri(url: str) -> str:
    """``redis://host:port/db`` as the ``limits`` library's async scheme."""
    return url if url.startswith("async+") else f"async+{url}"


class RateLimit(Plugin):
    """Counts requests per client and refuses those over their limit."""

    name = "rate-limit"

    def __init__(self, settings: RateLimitSettings, redis_url: str | None = None) -> None:
        self.settings = settings
        self.redis_url = settings.redis_url or redis_url
        self.default = parse(settings.limit)
        self.burst = parse(f"{settings.burst}/second") if settings.burst else None
        self.overrides = {client: parse(limit) for client, limit in settings.overrides}
        self._parsed: dict[str, RateLimitItem] = {}
        self.by = settings.by
        self.header = (
            settings.by[len("header:") :].lower() if settings.by.startswith("header:") else None
        )
        self.storage: Storage | None = None
        self.limiter: RateLimiter | None = None
        self.usage: UsageCounters | None = None
        self._last_logged = 0.0
        self._limited: Any = None
        self._backend_errors: Any = None

    def setup(self, app: FastAPI) -> None:
        registry = app.state.metrics.registry
        self._limited = Counter(
            "gateway_rate_limited_requests",
            "Requests refused over their rate limit",
            registry=registry,
        )
        self._backend_errors = Counter(
            "gateway_rate_limit_backend_errors",
            "Rate-limit checks that could not reach the counter backend",
            registry=registry,
        )

    async def start(self) -> None:
        if self.redis_url:
            self.storage = RedisStorage(
                redis_storage_uri(self.redis_url),
                wrap_exceptions=True,
                implementation="redispy",
                socket_timeout=BACKEND_TIMEOUT_S,
                socket_connect_timeout=BACKEND_TIMEOUT_S,
            )
        else:
            self.storage = MemoryStorage()
        self.limiter = _STRATEGIES[self.settings.strategy](self.storage)
        if self.settings.count_usage:
            self.usage = usage_counters(self.redis_url)

    async def stop(self) -> None:
        if self.usage is not None:
            await self.usage.close()

    # --- hooks ---------------------------------------------------------------------------

    async def on_request(self, ctx: RequestContext) -> None:
        limiter = self.limiter
        assert limiter is not None
        client = self._client_key(ctx)
        item = self._limit_for(ctx, client)
        try:
            if self.burst is not None and not await limiter.hit(self.burst, "burst", client):
                await self._refuse(limiter, self.burst, "burst", client)
            if not await limiter.hit(item, "limit", client):
                await self._refuse(limiter, item, "limit", client)
        except RequestError:
            raise
        except Exception as exc:  # Redis down or slow: the policy decides
            self._backend_failed(exc)
            if self.settings.on_backend_error == "deny":
                raise RequestError.single(
                    503,
                    "Rate limiting is unavailable; try again shortly.",
                    RATE_LIMIT_UNAVAILABLE,
                    {"Retry-After": "1"},
                ) from exc

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        client = ctx.client
        if self.usage is not None and client is not None and client.kind == "api_key":
            try:
                await self.usage.count(client.id)
            except Exception as exc:
                self._backend_failed(exc)

    # --- internals -----------------------------------------------------------------------

    def _client_key(self, ctx: RequestContext) -> str:
        """What this request counts against: ``kind:value``, bounded in length."""
        client = ctx.client
        if self.by == "api_key" and client is not None and client.kind == "api_key":
            return f"key:{client.id}"
        if self.by == "subject" and client is not None:
            return f"{client.kind}:{client.id}"
        if self.header is not None:
            value = ctx.http.headers.get(self.header)
            if value:
                if len(value) > MAX_KEY_LENGTH:
                    value = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
                return f"header:{value}"
        address = ctx.http.client.host if ctx.http.client else "unknown"
        return f"ip:{address}"

    def _limit_for(self, ctx: RequestContext, client_key: str) -> RateLimitItem:
        client = ctx.client
        if client is not None:
            own = client.claims.get("rate_limit") if client.kind == "api_key" else None
            if isinstance(own, str) and own:
                item = self._parsed.get(own)
                if item is None:
                    item = self._parsed[own] = parse(own)
                return item
            override = self.overrides.get(client.id)
            if override is not None:
                return override
        return self.overrides.get(client_key.partition(":")[2], self.default)

    async def _refuse(
        self, limiter: RateLimiter, item: RateLimitItem, scope: str, client: str
    ) -> None:
        stats = await limiter.get_window_stats(item, scope, client)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        if self._limited is not None:
            self._limited.inc()
        raise RequestError.single(
            429,
            f"Rate limit of {item.amount} per {item.get_expiry()} s exceeded; retry in {reset} s.",
            RATE_LIMITED,
            {
                "Retry-After": str(reset),
                "RateLimit-Limit": str(item.amount),
                "RateLimit-Remaining": str(max(0, stats.remaining)),
                "RateLimit-Reset": str(reset),
            },
        )

    def _backend_failed(self, exc: BaseException) -> None:
        if self._backend_errors is not None:
            self._backend_errors.inc()
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_S:
            self._last_logged = now
            log.error(
                "rate-limit backend unreachable (%s: %s); requests are %s meanwhile",
                type(exc).__name__,
                exc,
                "allowed" if self.settings.on_backend_error == "allow" else "refused",
            )
