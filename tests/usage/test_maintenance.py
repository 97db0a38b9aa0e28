"""Partitions and retention on a real PostgreSQL (monthly partitions created ahead,
expired ones dropped) and on SQLite (batched deletes driven by
``retention_metadata``), through ``run_maintenance`` and ``gateway maintenance run``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from router.records.maintenance import first_of_month, run_maintenance
from router.registry.database import make_engine
from tests.registry.harness import migrated_sqlite
from tests.usage.harness import migrated_postgres, sql

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)


def _partitions(url: str) -> set[str]:
    rows = sql(
        url,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass('audit_logs')",
    )
    return {str(r[0]) for r in rows}


def _audit_at(url: str, *moments: datetime) -> None:
    for moment in moments:
        sql(
            url,
            "INSERT INTO audit_logs (created_at, actor, action, detail) "
            "VALUES (:at, 'test', 'test.entry', '{}')",
            at=moment,
        )


def _usage_at(url: str, *hours: datetime) -> None:
    buckets = ", ".join(f"d{i}" for i in range(12))
    zeros = ", ".join("0" for _ in range(12))
    for n, hour in enumerate(hours):
        sql(
            url,
            f"INSERT INTO usage_stats (hour, client_kind, client, operation_name, "
            f"operation_hash, requests, errors, duration_ms, response_bytes, {buckets}) "
            f"VALUES (:hour, 'anonymous', :client, '', '', 1, 0, 1.0, 10, {zeros})",
            hour=hour,
            client=f"c{n}",
        )


def _maintain(url: str, audit_days: int, usage_days: int) -> dict[str, object]:
    async def run() -> dict[str, object]:
        engine = make_engine(url)
        try:
            return (await run_maintenance(engine, audit_days, usage_days, now=NOW)).json()
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture
def postgres() -> Iterator[str]:
    with migrated_postgres("monthly") as url:
        yield url


def test_postgres_partitions_are_made_ahead_and_dropped_when_expired(postgres: str) -> None:
    sql(postgres, "SELECT create_audit_logs_partition(:m)", m=datetime(2026, 6, 1).date())
    sql(postgres, "SELECT create_audit_logs_partition(:m)", m=datetime(2026, 10, 1).date())
    old, recent = datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 10, 20, tzinfo=UTC)
    _audit_at(postgres, old, old, recent)
    _usage_at(postgres, NOW - timedelta(days=40), NOW - timedelta(days=40), NOW - timedelta(days=1))
    report = _maintain(postgres, audit_days=90, usage_days=30)
    assert report["partitioned"] is True
    parts = _partitions(postgres)
    for ahead in range(3):  # this month and the next two
        month = first_of_month(NOW.date(), ahead)
        assert f"audit_logs_p{month:%Y%m}" in parts
    assert "audit_logs_p202606" not in parts  # wholly older than 90 days: dropped
    assert "audit_logs_p202610" in parts
    assert report["dropped_partitions"] == ["audit_logs_p202606"]
    assert sql(postgres, "SELECT COUNT(*) FROM audit_logs") == [(1,)]
    assert sql(postgres, "SELECT COUNT(*) FROM usage_stats") == [(1,)]
    rules = dict(sql(postgres, "SELECT table_name, rows_deleted FROM retention_metadata"))
    assert rules["usage_stats"] == 2


def test_unpartitioned_postgres_deletes_in_batches() -> None:
    with migrated_postgres("none") as url:
        assert _partitions(url) == set()
        sql(url, "UPDATE retention_metadata SET batch_size = 2 WHERE table_name = 'audit_logs'")
        expired = NOW - timedelta(days=400)
        _audit_at(url, *(expired for _ in range(5)), NOW)
        report = _maintain(url, audit_days=365, usage_days=90)
        assert report["partitioned"] is False
        assert report["deleted"]["audit_logs"] == 5  # type: ignore[index]
        assert sql(url, "SELECT COUNT(*) FROM audit_logs") == [(1,)]


def test_sqlite_retention_and_the_cli(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path)
    _audit_at(url, NOW - timedelta(days=30), datetime.now(UTC))
    long_ago = datetime.now(UTC) - timedelta(days=200)
    _usage_at(url, long_ago, long_ago, long_ago, datetime.now(UTC))
    config = tmp_path / "router.yaml"
    config.write_text("audit: {retention_days: 7}\nusage: {retention_days: 100}\n")
    done = subprocess.run(
        [sys.executable, "-m", "router.cli", "maintenance", "run", "--config", str(config)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    report = orjson.loads(done.stdout)
    assert report["partitioned"] is False
    assert report["deleted"]["usage_stats"] == 3
    assert report["deleted"]["audit_logs"] == 1
    assert sql(url, "SELECT COUNT(*) FROM usage_stats") == [(1,)]
    assert sql(url, "SELECT COUNT(*) FROM audit_logs") == [(1,)]
    assert sql(
        url, "SELECT retention_days FROM retention_metadata WHERE table_name = 'audit_logs'"
    ) == [(7,)]
