"""Requests per API key per minute, in Redis or in process memory.

Hot counters: one pipelined round trip per request in Redis (HINCRBY on the
minute's hash, EXPIRE, and the minute added to the set of pending minutes), a dict
increment in memory. The usage consolidator drains finished minutes into the
database with ``drain``, which reads and deletes each minute atomically (a Lua
script on Redis), so a crash between two drains never counts a request twice.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Protocol

PREFIX = "gateway:usage"
PENDING = f"{PREFIX}:pending"
KEEP_S = 2 * 24 * 3600
"""Undrained minutes expire after two days: a consolidator that never runs cannot
fill Redis."""

_DRAIN = """
local values = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return values
"""


def minute(now: float | None = None) -> int:
    """The start of the minute ``now`` falls in, in epoch seconds."""
    return int((time.time() if now is None else now) // 60) * 60


class UsageCounters(Protocol):
    async def count(self, key_id: str) -> None: ...

    async def drain(self, before: int) -> list[tuple[int, str, int]]:
        """``(minute, key id, requests)`` of every minute that started before
        ``before``, removed from the counters as they are read."""
        ...

    async def close(self) -> None: ...


class MemoryUsageCounters:
    """Counters of one process (the default without Redis)."""

    def __init__(self) -> None:
        self._minutes: dict[int, Counter[str]] = {}

    async def count(self, key_id: str) -> None:
        now = minute()
        counts = self._minutes.get(now)
        if counts is None:
            counts = self._minutes[now] = Counter()
        counts[key_id] += 1

    async def drain(self, before: int) -> list[tuple[int, str, int]]:
        out: list[tuple[int, str, int]] = []
        for start in sorted(m for m in self._minutes if m < before):
            out.extend((start, key, n) for key, n in self._minutes.pop(start).items())
        return out

    async def close(self) -> None:
        return None


class RedisUsageCounters:
    """Counters shared by every worker and replica."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._drain = self.redis.register_script(_DRAIN)

    async def count(self, key_id: str) -> None:
        start = minute()
        name = f"{PREFIX}:{start}"
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(name, key_id, 1)
        pipe.expire(name, KEEP_S)
        pipe.sadd(PENDING, start)
        await pipe.execute()

    async def drain(self, before: int) -> list[tuple[int, str, int]]:
        out: list[tuple[int, str, int]] = []
        for raw in sorted(await self.redis.smembers(PENDING)):
            start = int(raw)
            if start >= before:
                continue
            values = await self._drain(keys=[f"{PREFIX}:{start}", PENDING], args=[start])
            pairs = iter(values)
            out.extend((start, key.decode(), int(n)) for key, n in zip(pairs, pairs, strict=True))
        return out

    async def close(self) -> None:
        await self.redis.aclose()


def usage_counters(redis_url: str | None) -> UsageCounters:
    return RedisUsageCounters(redis_url) if redis_url else MemoryUsageCounters()
