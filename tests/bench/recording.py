"""``router-usage``: our router with usage statistics and the audit trail (mutations
included) recording every request into PostgreSQL, to measure what recording costs
(issue 12 aims at <= 5% fewer requests/s at 50 VUs than ``router``), and the time one
flush of 5,000 usage rows takes on PostgreSQL.

PostgreSQL on 127.0.0.1:5432 when it answers (a throwaway database, dropped first),
else a SQLite file: the set-up an operator does, ``gateway db upgrade`` then a
router.yaml with ``usage:`` and ``audit:`` on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import env
from tests.bench.processes import BenchError

POSTGRES = ("127.0.0.1", 5432)
DIR = env.RESULTS / "recording"
DATABASE = "bench_usage"
FLUSH_ROWS = 5000


def _postgres_up() -> bool:
    try:
        with socket.create_connection(POSTGRES, timeout=0.5):
            return True
    except OSError:
        return False


def database_url() -> str:
    if _postgres_up():
        return f"postgresql+asyncpg://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{DATABASE}"
    return f"sqlite+aiosqlite:///{DIR / 'records.sqlite3'}"


async def _recreate_postgres() -> None:
    import asyncpg

    connection = await asyncpg.connect(f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/test")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await connection.close()


def prepare() -> Path:
    """A fresh migrated database and the router.yaml that records into it."""
    DIR.mkdir(parents=True, exist_ok=True)
    url = database_url()
    if url.startswith("postgresql"):
        asyncio.run(_recreate_postgres())
    else:
        (DIR / "records.sqlite3").unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "router.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise BenchError(f"gateway db upgrade failed: {done.stderr[-2000:]}")
    config = DIR / "router.yaml"
    config.write_text(
        f"usage: {{enabled: true, database_url: '{url}'}}\n"
        f"audit: {{enabled: true, database_url: '{url}', mutations: true}}\n"
    )
    return config


def flush_timing(rounds: int = 5) -> dict[str, Any]:
    """Milliseconds to write one batch of 5,000 distinct usage rows (median of rounds)."""
    url = database_url()
    return asyncio.run(_flush_timing(url, rounds))


async def _flush_timing(url: str, rounds: int) -> dict[str, Any]:
    from router.registry.database import make_engine
    from router.usage.buffer import UsageBuffer
    from router.usage.store import UsageStore

    engine = make_engine(url)
    store = UsageStore(engine)
    times = []
    try:
        for round_index in range(rounds):
            buffer = UsageBuffer(FLUSH_ROWS * 2)
            hour = int(time.time()) // 3600 * 3600 - 3600 * (round_index + 1)
            for n in range(FLUSH_ROWS):
                digest = f"{n % 500:064x}"
                key = (hour, "client_name", f"bench-{n}", f"Op{n % 500}", digest)
                buffer.record(key, n % 50 == 0, 12.5, 800, f"query Op{n % 500} {{ a }}")
            batch = buffer.cut()
            assert batch is not None and batch.count == FLUSH_ROWS
            started = time.perf_counter()
            await store.write(batch)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return {
        "rows": FLUSH_ROWS,
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "rounds": rounds,
    }
