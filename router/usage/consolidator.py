"""The API-key usage consolidator: per-key counters -> ``api_key_usage``.

The rate-limit plugin counts requests per API key per minute
(router/plugins/usage_counters.py): in Redis when it has one, else in process
memory. Every ``API_KEY_USAGE_FLUSH_INTERVAL_MS`` this drains the finished minutes
into the database, adding to ``api_key_usage`` rows.

Exactly once, across crashes, with Redis:

1. *claim*: one Lua script renames a minute's hash to a claim key
   (``gateway:usage:claim:<minute>:<token>``), drops the minute from the pending
   set and adds the claim to the claims set. Atomic: a request counted after it
   starts a new hash for that minute, claimed later.
2. *write*: one transaction inserts the claim's name into ``flush_batches`` and,
   only if it was new, adds the counts.
3. *settle*: the claim key and its entry in the claims set are deleted.

A crash before 2 leaves the claim in Redis: the next run (of any consolidator)
writes it. A crash between 2 and 3 leaves it too, and the next run finds its id in
``flush_batches`` and only settles it. Claims never expire in Redis (minute hashes
do, after two days, if no consolidator ever runs).

Without Redis the in-memory counters are drained the same way, with a batch kept
and retried under its id until it is written.

It starts inside the router when ``GATEWAY_ENV`` is not ``production`` (unless
``START_API_KEY_USAGE_WORKER=0``); in production ``gateway worker usage`` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from router.plugins.usage_counters import PENDING, PREFIX, MemoryUsageCounters, minute
from router.records.database import chunks, claim_batch, insert_for
from router.records.models import ApiKeyUsage

log = logging.getLogger("router.usage.consolidator")

CLAIMS = f"{PREFIX}:claims"
CLAIM_PREFIX = f"{PREFIX}:claim:"

_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('RENAME', KEYS[1], KEYS[3])
    redis.call('SADD', KEYS[4], KEYS[3])
end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""

Rows = list[tuple[int, str, int]]


def worker_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """In-process consolidator: not in production, not with START_API_KEY_USAGE_WORKER=0."""
    env = os.environ if environ is None else environ
    if env.get("GATEWAY_ENV", "").strip().lower() == "production":
        return False
    return env.get("START_API_KEY_USAGE_WORKER", "1").strip().lower() not in ("0", "false", "no")


async def write_usage(engine: AsyncEngine, batch_id: str, rows: Rows) -> bool:
    """Add ``rows`` (minute, key id, requests) once; False if ``batch_id`` was written."""
    values = [
        {"minute": datetime.fromtimestamp(m, UTC), "key_id": key[:64], "requests": n}
        for m, key, n in sorted(rows)
    ]
    table = ApiKeyUsage.__table__
    async with engine.begin() as connection:
        if not await claim_batch(connection, batch_id):
            return False
        for chunk in chunks(values, 3):
            statement = insert_for(connection, table).values(chunk)  # type: ignore[arg-type]
            statement = statement.on_conflict_do_update(
                index_elements=["minute", "key_id"],
                set_={"requests": table.c.requests + statement.excluded.requests},
            )
            await connection.execute(statement)
    return True


class RedisDrain:
    """Claim, write, settle (see the module docstring)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._claim = self.redis.register_script(_CLAIM)

    async def claim_finished(self, before: int) -> None:
        for raw in sorted(await self.redis.smembers(PENDING)):
            start = int(raw)
            if start >= before:
                continue
            claim = f"{CLAIM_PREFIX}{start}:{uuid.uuid4().hex}"
            await self._claim(keys=[f"{PREFIX}:{start}", PENDING, claim, CLAIMS], args=[start])

    async def claims(self) -> list[str]:
        return sorted(raw.decode() for raw in await self.redis.smembers(CLAIMS))

    async def rows(self, claim: str) -> Rows:
        start = int(claim[len(CLAIM_PREFIX) :].split(":", 1)[0])
        values = await self.redis.hgetall(claim)
        return [(start, key.decode(), int(n)) for key, n in values.items()]

    async def settle(self, claim: str) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(claim)
        pipe.srem(CLAIMS, claim)
        await pipe.execute()

    async def close(self) -> None:
        await self.redis.aclose()


class Consolidator:
    def __init__(
        self,
        engine: AsyncEngine,
        interval_s: float,
        redis_url: str | None = None,
        memory: Callable[[], MemoryUsageCounters | None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.redis = RedisDrain(redis_url) if redis_url else None
        self.memory = memory
        self.pending: tuple[str, Rows] | None = None
        self.runs = 0
        self.written = 0
        """Requests added to ``api_key_usage`` by this consolidator."""
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def run_once(self, before: int | None = None) -> int:
        """Drain every minute that started before ``before`` (default: this minute)."""
        before = minute() if before is None else before
        added = 0
        if self.redis is not None:
            await self.redis.claim_finished(before)
            for claim in await self.redis.claims():
                if int(claim[len(CLAIM_PREFIX) :].split(":", 1)[0]) >= before:
                    continue
                rows = await self.redis.rows(claim)
                if rows and await write_usage(self.engine, claim, rows):
                    added += sum(n for _, _, n in rows)
                await self.redis.settle(claim)
        counters = self.memory()
        if counters is not None:
            if self.pending is None:
                rows = await counters.drain(before)
                if rows:
                    self.pending = (f"memory:{uuid.uuid4().hex}", rows)
            if self.pending is not None:
                batch_id, rows = self.pending
                if await write_usage(self.engine, batch_id, rows):
                    added += sum(n for _, _, n in rows)
                self.pending = None
        self.runs += 1
        self.written += added
        return added

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="api-key-usage-consolidator")

    async def stop(self) -> None:
        """End the loop between runs; drain once more (the current minute included)."""
        if self._task is not None:
            self._stopping.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            if self.memory() is not None:  # process memory dies with us: drain it all
                await self.run_once(before=minute() + 60)
        except Exception as exc:
            log.error("API-key usage not written at shutdown: %s", exc)
        if self.redis is not None:
            await self.redis.close()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
            if self._stopping.is_set():
                return
            try:
                await self.run_once()
            except Exception as exc:  # kept in Redis / in self.pending: retried next time
                log.warning("API-key usage consolidation failed: %s: %s", type(exc).__name__, exc)
