"""The cache stores: TTL, byte budget and tag invalidation, in memory (with an
injected clock: no sleeping) and in a real Redis (1 s TTL)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from router.cache.store import CacheStore, MemoryStore, RedisStore
from tests.support import require_server

REDIS_URL = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_ttl_expiry_with_an_injected_clock() -> None:
    clock = Clock()
    store = MemoryStore(1024 * 1024, clock=clock)

    async def scenario() -> None:
        await store.set("a", b"1", 5, ["T"])
        assert await store.get("a") == b"1"
        clock.now += 4.9
        assert await store.get("a") == b"1"
        clock.now += 0.2
        assert await store.get("a") is None
        assert store.stats()["entries"] == 0

    asyncio.run(scenario())


def test_memory_byte_budget_evicts_least_recently_used() -> None:
    store = MemoryStore(3 * (100 + 1 + 256))

    async def scenario() -> None:
        for key in "abc":
            await store.set(key, b"x" * 100, 60, [])
        await store.get("a")  # a is now the most recently used
        await store.set("d", b"x" * 100, 60, [])
        assert await store.get("b") is None
        assert [await store.get(k) is not None for k in "acd"] == [True, True, True]
        assert store.bytes <= store.max_bytes
        await store.set("huge", b"x" * 10_000, 60, [])  # over the whole budget: not kept
        assert await store.get("huge") is None

    asyncio.run(scenario())


async def _tag_scenario(store: CacheStore) -> None:
    await store.set("one", b"1", 60, ["Product", 'Product#{"id":"p1"}'])
    await store.set("two", b"2", 60, ["Product", 'Product#{"id":"p2"}'])
    await store.set("other", b"3", 60, ["Review"])
    assert await store.invalidate(['Product#{"id":"p1"}']) == 1
    assert await store.get("one") is None
    assert await store.get("two") == b"2"
    assert await store.get_many(["two", "one", "other"]) == [b"2", None, b"3"]
    assert await store.invalidate(["Product"]) == 1
    assert await store.get("two") is None
    assert await store.get("other") == b"3"
    await store.set("long", b"4", 60, ["T#" + "x" * 500])  # long tags are hashed alike
    assert await store.invalidate(["T#" + "x" * 500]) == 1
    assert await store.clear() == 1
    assert await store.get("other") is None


def test_memory_tags() -> None:
    asyncio.run(_tag_scenario(MemoryStore(1024 * 1024)))


@pytest.fixture
def redis_store() -> RedisStore:
    require_server("127.0.0.1", 6379, "Redis")
    return RedisStore(REDIS_URL, f"test:{uuid.uuid4().hex}:")


def test_redis_tags_and_clear(redis_store: RedisStore) -> None:
    async def scenario() -> None:
        try:
            await _tag_scenario(redis_store)
        finally:
            await redis_store.clear()
            await redis_store.close()

    asyncio.run(scenario())


def test_redis_ttl_expiry(redis_store: RedisStore) -> None:
    async def scenario() -> None:
        try:
            await redis_store.set("short", b"1", 1, ["T"])
            await redis_store.set("long", b"2", 60, ["T"])
            assert await redis_store.get("short") == b"1"
            await asyncio.sleep(1.2)
            assert await redis_store.get("short") is None
            assert await redis_store.get("long") == b"2"
            # The tag set outlives its longest entry, so invalidation still finds it.
            assert await redis_store.invalidate(["T"]) == 1
        finally:
            await redis_store.clear()
            await redis_store.close()

    asyncio.run(scenario())
