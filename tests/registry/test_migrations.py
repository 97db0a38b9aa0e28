"""Alembic round trips (SQLite, PostgreSQL) and the router's refusal to start on an
un-migrated database, through the real ``gateway`` command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from router.config.settings import SettingsError
from router.registry import migrations
from router.registry.config import RegistryConfig
from router.registry.database import NotMigratedError, check_migrated, make_engine
from router.registry.models import ApiKey
from tests.registry.harness import postgres_database, sqlite_url
from tests.support import free_port

REGISTRY_TABLES = {"services", "schema_versions", "supergraph_versions", "registry_audit"}
RECORD_TABLES = {
    "audit_logs",  # registry_audit merged into it (0004_usage_audit)
    "usage_stats",
    "usage_operations",
    "api_key_usage",
    "flush_batches",
    "retention_metadata",
}
TABLES = (REGISTRY_TABLES - {"registry_audit"}) | {"api_keys"} | RECORD_TABLES


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()
        # PostgreSQL lists audit_logs' monthly partitions as tables of their own.
        return {n for n in names if not n.startswith("audit_logs_")} - {"alembic_version"}

    return asyncio.run(read())


def _migrated(url: str) -> bool:
    engine = make_engine(url)

    async def check() -> bool:
        try:
            await check_migrated(engine)
            return True
        except NotMigratedError:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(check())


def _round_trip(url: str) -> None:
    assert not _migrated(url)
    migrations.upgrade(url, "head")
    assert _tables(url) == TABLES
    assert _migrated(url)
    assert "(head)" in migrations.current(url)
    _sql(
        url,
        "INSERT INTO audit_logs (created_at, actor, action, detail) "
        "VALUES (CURRENT_TIMESTAMP, 'kept', 'service.add', '{}')",
    )
    migrations.downgrade(url, "0001_registry")  # the API keys and the records go
    assert _tables(url) == REGISTRY_TABLES
    assert _sql(url, "SELECT actor FROM registry_audit") == [("kept",)]  # audit moved back
    assert not _migrated(url)
    migrations.upgrade(url, "head")
    assert _tables(url) == TABLES
    assert _sql(url, "SELECT actor, action FROM audit_logs") == [("kept", "service.add")]
    _api_keys_columns_match_the_model(url)
    migrations.downgrade(url, "base")
    assert _tables(url) == set()
    assert not _migrated(url)
    migrations.upgrade(url, "head")  # and back up again: downgrade left nothing behind
    assert _tables(url) == TABLES


def _sql(url: str, statement: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return [tuple(r) for r in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _api_keys_columns_match_the_model(url: str) -> None:
    """The migration creates what ``ApiKey`` maps (no column missing or extra)."""

    async def read() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                columns = await connection.run_sync(lambda c: inspect(c).get_columns("api_keys"))
        finally:
            await engine.dispose()
        return {column["name"] for column in columns}

    assert asyncio.run(read()) == set(ApiKey.__table__.columns.keys())


def test_rows_from_before_service_urls_keep_working(tmp_path: Path) -> None:
    """A service stored before ``services.urls`` existed reads back with no replicas."""
    from sqlalchemy import text

    from router.registry.store import RegistryStore

    url = sqlite_url(tmp_path)
    migrations.upgrade(url, "0002_api_keys")

    async def insert_then_read() -> tuple[str, tuple[str, ...]]:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO services (name, url, enabled, use_msgpack, headers, "
                        "timeout_s) VALUES ('old', 'http://old:1/graphql', 1, 0, '[]', 30)"
                    )
                )
            await asyncio.to_thread(migrations.upgrade, url, "head")
            row = await RegistryStore(engine).service("old")
            assert row is not None
            return row.url, row.urls
        finally:
            await engine.dispose()

    assert asyncio.run(insert_then_read()) == ("http://old:1/graphql", ())


def test_round_trip_sqlite(tmp_path: Path) -> None:
    _round_trip(sqlite_url(tmp_path))


def test_round_trip_postgresql() -> None:
    with postgres_database() as url:
        _round_trip(url)


def _gateway(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "router.cli", *args],
        cwd=cwd,
        env={**os.environ, "GATEWAY_LOG_LEVEL": "warning", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gateway_serve_refuses_then_db_upgrade_fixes(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'gw.sqlite3'}", "GATEWAY_PORT": "1"}
    refused = _gateway(["serve"], tmp_path, **env)
    assert refused.returncode == 1
    assert "run `gateway db upgrade`" in refused.stderr
    upgraded = _gateway(["db", "upgrade"], tmp_path, **env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "1759000001000 (head)" in upgraded.stdout
    assert _migrated(env["DATABASE_URL"])

    port = free_port()
    serve_env = {**os.environ, **env, "GATEWAY_PORT": str(port), "GATEWAY_LOG_LEVEL": "warning"}
    serve_env["GATEWAY_ADMIN_TOKEN"] = "t0ken"
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve"],
        cwd=tmp_path,
        env=serve_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"{base}/health").status_code == 503  # registry empty: no graph yet
        listed = httpx.get(f"{base}/admin/api/services", headers={"Authorization": "Bearer t0ken"})
        assert listed.json() == {"services": []}
        assert httpx.get(f"{base}/admin").status_code == 200
    finally:
        process.terminate()
        process.wait(10)


def test_bad_registry_settings_are_clear_errors() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_FALLBACK='sometimes' must be one of"):
        RegistryConfig.from_env({"GATEWAY_FALLBACK": "sometimes"})
    with pytest.raises(SettingsError, match="GATEWAY_POLL_INTERVAL_S"):
        RegistryConfig.from_env({"GATEWAY_POLL_INTERVAL_S": "soon"})
    config = RegistryConfig.from_env({"DATABASE_URL": "postgresql://u@h/db"})
    assert config.database_url == "postgresql+asyncpg://u@h/db"
    assert config.admin_token is None and config.fallback == "cached"
