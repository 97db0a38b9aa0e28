"""Bootstrapping the registry for a deployment: ``gateway services import FILE`` and
``GATEWAY_SERVICES`` (router/registry/bootstrap.py), with the real CLI and router
processes; migrations and imports started together on one PostgreSQL database; and
the log of a router that has nothing to serve says what to do."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.registry.bootstrap import BootstrapError, apply, parse_variable
from router.registry.database import make_engine
from router.registry.store import RegistryStore
from tests.e2e.harness import Subgraphs
from tests.e2e.processes import wait_ready
from tests.registry.harness import migrated_sqlite, postgres_database
from tests.support import REPO_ROOT, free_port

GATEWAY = [sys.executable, "-c", "import sys; from router.cli import main; sys.exit(main())"]


def _env(database: str, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GATEWAY_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {**keep, "DATABASE_URL": database, "PYTHONUNBUFFERED": "1", **extra}


def _gateway(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GATEWAY, *args], env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )


def test_the_variable_takes_pairs_or_json_and_refuses_what_the_admin_api_refuses() -> None:
    pairs = parse_variable(" a=http://a:1/graphql , b=https://b/graphql ")
    assert pairs == [
        {"name": "a", "url": "http://a:1/graphql"},
        {"name": "b", "url": "https://b/graphql"},
    ]
    as_json = parse_variable('[{"name": "a", "url": "http://a/graphql", "timeout_s": 5}]')
    assert as_json == [{"name": "a", "url": "http://a/graphql", "timeout_s": 5.0}]
    wrapped = parse_variable('{"services": [{"name": "a", "url": "http://a/graphql"}]}')
    assert wrapped == [{"name": "a", "url": "http://a/graphql"}]
    for bad, why in (
        ("a", "not name=url"),
        ("a=ftp://x", "http:// or https://"),
        ("a=http://x,a=http://y", "declared twice"),
        ('[{"name": "a", "url": "http://x", "colour": 1}]', "Unknown field"),
        ('[{"name": "a b", "url": "http://x"}]', "letters, digits"),
        ("[1", "not valid JSON"),
        ('{"a": "http://x"}', "expected a list"),
    ):
        with pytest.raises(BootstrapError, match=why):
            parse_variable(bad)


@pytest.fixture
def two_subgraphs() -> Iterator[Subgraphs]:
    from tests.registry.harness import products_spec, reviews_spec

    servers = Subgraphs()
    servers.start([products_spec(), reviews_spec()])
    yield servers
    servers.stop()


def test_import_is_idempotent_and_updates_what_changed(tmp_path: Path) -> None:
    database = migrated_sqlite(tmp_path)
    env = _env(database)
    declared = tmp_path / "services.yaml"
    declared.write_text(
        "services:\n"
        "  - {name: products, url: 'http://127.0.0.1:1/graphql', timeout_s: 10}\n"
        "  - {name: reviews, url: 'http://127.0.0.1:2/graphql', headers: [Authorization]}\n"
    )
    first = _gateway(["services", "import", str(declared)], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["added", "products", "added", "reviews"]
    again = _gateway(["services", "import", str(declared)], env)
    assert again.stdout.split() == ["unchanged", "products", "unchanged", "reviews"]
    declared.write_text(
        "- {name: products, url: 'http://127.0.0.1:3/graphql', timeout_s: 10}\n"
        "- {name: reviews, url: 'http://127.0.0.1:2/graphql', headers: [authorization]}\n"
    )
    changed = _gateway(["services", "import", str(declared)], env)
    assert changed.stdout.split() == ["updated", "products", "(url)", "unchanged", "reviews"]
    listed = _gateway(["services", "list"], env)
    assert listed.stdout.splitlines() == [
        "products\thttp://127.0.0.1:3/graphql\tenabled\ttimeout 10s",
        "reviews\thttp://127.0.0.1:2/graphql\tenabled\ttimeout 30s",
    ]

    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [{name: x}]\n")
    refused = _gateway(["services", "import", str(bad)], env)
    assert refused.returncode == 1 and "'url' is required" in refused.stderr
    fresh = _env(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    unmigrated = _gateway(["services", "import", str(declared)], fresh)
    assert unmigrated.returncode == 1 and "gateway db upgrade" in unmigrated.stderr


def test_a_router_started_with_gateway_services_serves_at_once(
    tmp_path: Path, two_subgraphs: Subgraphs
) -> None:
    database = migrated_sqlite(tmp_path)
    services = ",".join(f"{n}={u}" for n, u in sorted(two_subgraphs.urls.items()))
    port = free_port()
    env = _env(database, GATEWAY_SERVICES=services, GATEWAY_ADMIN_TOKEN="t")
    for attempt in ("added", "unchanged"):  # a restart finds them registered
        log = tmp_path / f"router-{attempt}.log"
        with log.open("wb") as out:
            router = subprocess.Popen(
                [*GATEWAY, "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
            )
        try:
            wait_ready(port, router)
            body = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ products { name reviews { stars } } }"},
                timeout=30,
            ).json()
        finally:
            router.send_signal(signal.SIGTERM)
            router.wait(30)
        assert body["data"]["products"][0] == {"name": "Table", "reviews": [{"stars": 5}]}
        text = log.read_text()
        assert f"GATEWAY_SERVICES: {attempt} products" in text, text
        assert f"GATEWAY_SERVICES: {attempt} reviews" in text, text

    broken = _env(database, GATEWAY_SERVICES="products")
    refused = _gateway(["serve", "--port", str(free_port())], broken)
    assert refused.returncode == 2 and "not name=url" in refused.stderr


def test_an_empty_registry_says_what_to_do(tmp_path: Path) -> None:
    database = migrated_sqlite(tmp_path)
    port = free_port()
    log = tmp_path / "router.log"
    with log.open("wb") as out:
        router = subprocess.Popen(
            [*GATEWAY, "serve", "--port", str(port)],
            env=_env(database, GATEWAY_ADMIN_TOKEN="t"),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            assert router.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=10)
    finally:
        router.send_signal(signal.SIGTERM)
        router.wait(30)
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["extensions"]["code"] == "SCHEMA_NOT_LOADED"
    text = log.read_text()
    hint = next(line for line in text.splitlines() if "no supergraph to serve" in line)
    assert "the registry has no services" in hint
    assert f"http://127.0.0.1:{port}/admin" in hint
    assert "gateway services import" in hint and "GATEWAY_SERVICES" in hint


def test_replicas_starting_together_migrate_and_import_once() -> None:
    """Three ``gateway db upgrade && gateway services import`` at the same moment on
    one fresh PostgreSQL database, as a Deployment's pods start: all succeed (the
    migration holds an advisory lock; a lost insert race is read back), and each
    service is registered once."""
    with postgres_database() as database:
        env = _env(database)
        declared = REPO_ROOT / "deploy" / "services.yaml"
        python = shlex.quote(sys.executable)
        script = (
            f'{python} -c "$0" db upgrade && '
            f'{python} -c "$0" services import {shlex.quote(str(declared))}'
        )
        runs = [
            subprocess.Popen(
                ["sh", "-c", script, GATEWAY[2]],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [run.communicate(timeout=180) for run in runs]
        for run, (_, err) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, err
        actions = sorted(line.split()[0] for out, _ in outputs for line in out.splitlines()[1:])
        assert actions.count("added") == 2 and actions.count("unchanged") == 4, outputs

        async def rows() -> list[str]:
            store = RegistryStore(make_engine(database))
            try:
                return [r.name for r in await store.services()]
            finally:
                await store.close()

        assert asyncio.run(rows()) == ["categories", "records"]


def test_a_lost_insert_race_is_read_back() -> None:
    """Two imports of the same service in one process at once, on PostgreSQL."""
    from router.registry import migrations

    async def race(database: str) -> tuple[list[str], list[str]]:
        stores = [RegistryStore(make_engine(database)) for _ in range(2)]
        entries = [{"name": "a", "url": "http://a/graphql"}]
        try:
            outcomes = await asyncio.gather(*(apply(s, entries, "test") for s in stores))
            rows = await stores[0].services()
        finally:
            for store in stores:
                await store.close()
        return sorted(o[0].action for o in outcomes), [r.name for r in rows]

    with postgres_database() as database:
        migrations.upgrade(database)
        actions, names = asyncio.run(race(database))
    assert actions == ["added", "unchanged"]
    assert names == ["a"]


def test_a_migration_waits_for_one_already_running() -> None:
    """The advisory lock of alembic/env.py, shown without racing: while another session
    holds it (as a replica's migration would), ``gateway db upgrade`` waits for it,
    visibly in pg_locks, without touching the tables; released, it completes."""
    import threading

    import asyncpg

    from router.registry import migrations
    from router.registry.database import MIGRATION_LOCK

    with postgres_database() as database:
        dsn = database.replace("postgresql+asyncpg://", "postgresql://")

        async def session() -> asyncpg.Connection:
            return await asyncpg.connect(dsn)

        loop = asyncio.new_event_loop()
        holder = loop.run_until_complete(session())
        loop.run_until_complete(holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK))
        done: list[BaseException | None] = []

        def upgrade() -> None:
            try:
                migrations.upgrade(database)
                done.append(None)
            except BaseException as exc:
                done.append(exc)

        worker = threading.Thread(target=upgrade, daemon=True)
        worker.start()
        try:
            waiting = 0
            for _ in range(600):  # until the migration is queued behind the lock
                waiting = loop.run_until_complete(
                    holder.fetchval(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND objid = ($1::bigint & 4294967295)::oid",
                        MIGRATION_LOCK,
                    )
                )
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting == 1
            tables = loop.run_until_complete(
                holder.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
            )
            assert tables is False and done == []
        finally:
            loop.run_until_complete(holder.execute("SELECT pg_advisory_unlock_all()"))
            worker.join(120)
            loop.run_until_complete(holder.close())
            loop.close()
        assert done == [None]
        from router.registry.database import head_revision

        assert migrations.current(database).split(" ")[0] == head_revision()
