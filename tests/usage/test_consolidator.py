"""The API-key usage consolidator (Redis -> PostgreSQL): exact counts when it
crashes after claiming, after writing, or is SIGKILLed at a random moment, and the
in-memory path without Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from router.plugins.usage_counters import PENDING, PREFIX, MemoryUsageCounters, minute
from router.registry.database import make_engine
from router.usage.consolidator import CLAIMS, Consolidator, RedisDrain, write_usage
from tests.support import free_port, require_server
from tests.usage.harness import migrated_postgres, sql

REDIS_URL = "redis://127.0.0.1:6379/11"
KEYS = [f"key{n}" for n in range(7)]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with migrated_postgres() as url:
        yield url


@pytest.fixture
def redis() -> Iterator[Any]:
    require_server("127.0.0.1", 6379, "Redis")
    import redis as sync_redis

    client = sync_redis.Redis.from_url(REDIS_URL)
    _clear(client)
    yield client
    _clear(client)
    client.close()


def _clear(client: Any) -> None:
    for key in client.scan_iter(f"{PREFIX}:*"):
        client.delete(key)


def _feed(client: Any, count: int, minutes: int = 10) -> None:
    """``count`` requests spread over past minutes and keys, as RedisUsageCounters counts."""
    now = minute()
    for n in range(count):
        start = now - 60 * (1 + n % minutes)
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(f"{PREFIX}:{start}", KEYS[n % len(KEYS)], 1)
        pipe.sadd(PENDING, start)
        pipe.execute()


def _total(url: str) -> int:
    return int(sql(url, "SELECT COALESCE(SUM(requests), 0) FROM api_key_usage")[0][0])


def _reset(url: str) -> None:
    sql(url, "TRUNCATE api_key_usage, flush_batches")


async def _once(url: str, redis_url: str | None = REDIS_URL, **kwargs: Any) -> int:
    engine = make_engine(url)
    consolidator = Consolidator(engine, 60, redis_url, **kwargs)
    try:
        return await consolidator.run_once()
    finally:
        if consolidator.redis is not None:
            await consolidator.redis.close()
        await engine.dispose()


def test_drains_exactly_and_keeps_the_current_minute(database: str, redis: Any) -> None:
    _reset(database)
    _feed(redis, 700)
    later = minute() + 120  # a minute not finished yet (this one could end mid-test)
    redis.hincrby(f"{PREFIX}:{later}", "key0", 5)
    redis.sadd(PENDING, later)
    assert asyncio.run(_once(database)) == 700
    assert _total(database) == 700
    per_key = dict(sql(database, "SELECT key_id, SUM(requests) FROM api_key_usage GROUP BY key_id"))
    assert per_key == {key: 100 for key in KEYS}
    assert redis.hget(f"{PREFIX}:{later}", "key0") == b"5"
    assert redis.scard(CLAIMS) == 0


def test_a_crash_after_claiming_loses_nothing(database: str, redis: Any) -> None:
    _reset(database)
    _feed(redis, 300)
    closed = database.replace(":5432/", f":{free_port()}/")
    with pytest.raises(OSError):  # the database is unreachable: dies after claiming
        asyncio.run(_once(closed))
    assert redis.scard(CLAIMS) > 0 and redis.scard(PENDING) == 0
    assert asyncio.run(_once(database)) == 300
    assert _total(database) == 300


def test_a_crash_after_writing_counts_nothing_twice(database: str, redis: Any) -> None:
    _reset(database)
    _feed(redis, 250)

    async def write_without_settling() -> None:
        drain, engine = RedisDrain(REDIS_URL), make_engine(database)
        try:
            await drain.claim_finished(minute())
            for claim in await drain.claims():
                await write_usage(engine, claim, await drain.rows(claim))
        finally:  # "crash": the claims are never settled
            await drain.close()
            await engine.dispose()

    asyncio.run(write_without_settling())
    assert _total(database) == 250
    assert asyncio.run(_once(database)) == 0  # already written: only settled
    assert _total(database) == 250
    assert redis.scard(CLAIMS) == 0


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
def test_a_killed_worker_process_loses_and_doubles_nothing(database: str, redis: Any) -> None:
    _reset(database)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "API_KEY_USAGE_FLUSH_INTERVAL_MS": "20",
    }
    command = [sys.executable, "-m", "router.cli", "worker", "usage"]
    worker = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    fed = 0
    try:
        feeder = threading.Thread(target=_feed, args=(redis, 1500, 30))
        deadline = time.monotonic() + 60
        while _total(database) == 0:  # wait until it really works, then feed and kill
            if fed == 0:
                _feed(redis, 1)
                fed = 1
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never drained"
            time.sleep(0.1)
        feeder.start()
        time.sleep(1.0)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        feeder.join(60)
        fed += 1500
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(5)
    once = subprocess.run([*command, "--once"], env=env, capture_output=True, timeout=120)
    assert once.returncode == 0, once.stderr.decode()
    assert _total(database) == fed


def test_in_memory_counters_are_retried_until_written(database: str) -> None:
    _reset(database)
    counters = MemoryUsageCounters()

    async def count() -> None:
        for n in range(40):
            await counters.count(KEYS[n % 2])

    asyncio.run(count())
    closed = database.replace(":5432/", f":{free_port()}/")

    async def fail_then_succeed() -> int:
        bad, good = make_engine(closed), make_engine(database)
        consolidator = Consolidator(bad, 60, None, lambda: counters)
        try:
            with pytest.raises(OSError):
                await consolidator.run_once(before=minute() + 60)
            assert consolidator.pending is not None  # drained from memory, kept
            consolidator.engine = good
            return await consolidator.run_once(before=minute() + 60)
        finally:
            await bad.dispose()
            await good.dispose()

    assert asyncio.run(fail_then_succeed()) == 40
    assert _total(database) == 40
