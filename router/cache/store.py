"""Where cached values live: an in-process LRU bounded by bytes, or Redis.

Both stores hold opaque bytes under a key with a TTL, and index each entry under
*tags* (a type name, a type and key: see ``router.cache.tags``) so invalidation can
drop every entry that touched a type or one record without scanning. The memory store
is per process (each worker has its own); Redis is shared by every worker and replica,
and its writes and invalidations are single Lua scripts, so an entry is never left
without its tags.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

ENTRY_OVERHEAD_BYTES = 256
"""Bookkeeping per memory entry (key, tuple, index sets), counted against the budget."""
MAX_TAG_LENGTH = 200

_SET = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
"""
_INVALIDATE = """
local n = 0
for i = 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members, 500 do
    n = n + redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[i])
end
return n
"""


def redis_client(url: str, timeout_s: float = 0.5) -> Any:
    """A Redis client that fails fast: a cache answers uncached rather than wait."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
    )


def tag_id(tag: str) -> str:
    """A tag as stored: itself when short, else its hash (record keys come from data)."""
    if len(tag) <= MAX_TAG_LENGTH:
        return tag
    return "h:" + hashlib.sha256(tag.encode("utf-8", "surrogatepass")).hexdigest()


class CacheStore(Protocol):
    """What the caches need from a backend."""

    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl_s: float, tags: Iterable[str]) -> None: ...

    async def invalidate(self, tags: Iterable[str]) -> int:
        """Drop every entry indexed under any of ``tags``; how many were dropped."""
        ...

    async def clear(self) -> int: ...

    async def close(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class _Entry:
    expires: float
    value: bytes
    tags: tuple[str, ...]
    size: int


class MemoryStore:
    """An LRU of bytes with per-entry TTL, bounded by ``max_bytes``.

    ``clock`` is injectable so TTL expiry is tested without sleeping."""

    name = "memory"

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_tag: dict[str, set[str]] = {}
        self.bytes = 0
        self.evictions = 0

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self.clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        now = self.clock()
        entries = self._entries
        out: list[bytes | None] = []
        for key in keys:
            entry = entries.get(key)
            if entry is not None and entry.expires <= now:
                self._drop(key)
                entry = None
            if entry is None:
                out.append(None)
            else:
                entries.move_to_end(key)
                out.append(entry.value)
        return out

    async def set(self, key: str, value: bytes, ttl_s: float, tags: Iterable[str]) -> None:
        size = len(value) + len(key) + ENTRY_OVERHEAD_BYTES
        if ttl_s <= 0 or size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        ids = tuple(dict.fromkeys(tag_id(t) for t in tags))
        self._entries[key] = _Entry(self.clock() + ttl_s, value, ids, size)
        self.bytes += size
        for tag in ids:
            self._by_tag.setdefault(tag, set()).add(key)
        while self.bytes > self.max_bytes and self._entries:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.evictions += 1

    async def invalidate(self, tags: Iterable[str]) -> int:
        dropped = 0
        for tag in tags:
            for key in self._by_tag.pop(tag_id(tag), set()):
                if key in self._entries:
                    self._drop(key)
                    dropped += 1
        return dropped

    async def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        self._by_tag.clear()
        self.bytes = 0
        return count

    async def close(self) -> None:
        return None

    def stats(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "entries": len(self._entries),
            "bytes": self.bytes,
            "maxBytes": self.max_bytes,
            "evictions": self.evictions,
        }

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self.bytes -= entry.size
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]


class RedisStore:
    """Entries as Redis strings with a TTL, tags as sets of entry keys.

    A tag set lives as long as its longest-lived entry; invalidating a tag deletes
    its entries and the set in one script. Redis errors propagate: the caches
    count them and serve the request uncached."""

    name = "redis"

    def __init__(self, url: str, prefix: str, timeout_s: float = 0.5) -> None:
        self.url = url
        self.prefix = prefix
        self.redis: Any = redis_client(url, timeout_s)
        self._set = self.redis.register_script(_SET)
        self._invalidate = self.redis.register_script(_INVALIDATE)

    def _entry(self, key: str) -> str:
        return f"{self.prefix}e:{key}"

    def _tag(self, tag: str) -> str:
        return f"{self.prefix}t:{tag_id(tag)}"

    async def get(self, key: str) -> bytes | None:
        value = await self.redis.get(self._entry(key))
        return bytes(value) if value is not None else None

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self.redis.mget([self._entry(k) for k in keys])
        return [bytes(v) if v is not None else None for v in values]

    async def set(self, key: str, value: bytes, ttl_s: float, tags: Iterable[str]) -> None:
        ttl_ms = int(ttl_s * 1000)
        if ttl_ms <= 0:
            return
        keys = [self._entry(key), *dict.fromkeys(self._tag(t) for t in tags)]
        await self._set(keys=keys, args=[value, ttl_ms])

    async def invalidate(self, tags: Iterable[str]) -> int:
        keys = list(dict.fromkeys(self._tag(t) for t in tags))
        if not keys:
            return 0
        return int(await self._invalidate(keys=keys))

    async def clear(self) -> int:
        dropped = 0
        batch: list[bytes] = []
        async for key in self.redis.scan_iter(match=f"{self.prefix}*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                dropped += await self._delete(batch)
                batch = []
        if batch:
            dropped += await self._delete(batch)
        return dropped

    async def _delete(self, keys: list[bytes]) -> int:
        entry_prefix = f"{self.prefix}e:".encode()
        entries = sum(1 for k in keys if k.startswith(entry_prefix))
        await self.redis.delete(*keys)
        return entries

    async def close(self) -> None:
        await self.redis.aclose()

    def stats(self) -> dict[str, Any]:
        return {"backend": self.name, "prefix": self.prefix}
