"""Shared pieces of the usage/audit tests: a throwaway migrated PostgreSQL database,
the suite's subgraphs behind a supergraph file, and row counts read back with SQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from router.registry import migrations
from router.registry.database import make_engine
from tests.e2e.harness import Subgraphs, point_supergraph
from tests.e2e.suites import SUITES, audit_supergraph
from tests.registry.harness import postgres_database
from tests.support import require_shared_data

SUITE = "simple-requires-provides"
QUERY = "{ products { upc name } }"
TOKEN = "usage-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def migrated_postgres(partitioning: str = "monthly") -> Iterator[str]:
    """A fresh PostgreSQL database at the newest migration; dropped afterwards."""
    with postgres_database() as url:
        migrations.upgrade(url, audit_partitioning=partitioning)
        yield url


@contextmanager
def suite_supergraph(directory: Path) -> Iterator[Path]:
    require_shared_data()
    subgraphs = Subgraphs()
    subgraphs.start(SUITES[SUITE]())
    path = directory / "supergraph.graphql"
    path.write_text(point_supergraph(audit_supergraph(SUITE), subgraphs.urls))
    try:
        yield path
    finally:
        subgraphs.stop()


def sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return [tuple(r) for r in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:  # its own thread: Playwright's loop may run in this one
        return pool.submit(asyncio.run, run()).result()


def total_requests(url: str) -> int:
    return int(sql(url, "SELECT COALESCE(SUM(requests), 0) FROM usage_stats")[0][0])


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)
