"""The MongoDB migrator against the embedded server: round trip, dry run, concurrent
runners, checksum drift, failure mid-way, backup/restore, discovery errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from subgraphs.migrator import (
    LockBusyError,
    MigrationDefinitionError,
    MigrationFailedError,
    MigrationLock,
    MigrationStateError,
    Migrator,
    discover,
)
from subgraphs.migrator.lock import LOCK_COLLECTION, LOCK_ID


def write(
    directory: Path, stamp: str, slug: str, up: str, down: str, collections: str = "('items',)"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"m{stamp}_{slug}.py"
    path.write_text(
        f'"""{slug.replace("_", " ")}."""\n\nimport asyncio\n\nCOLLECTIONS = {collections}\n\n\n'
        f"async def up(db):\n{textwrap.indent(textwrap.dedent(up).strip(), '    ')}\n\n\n"
        f"async def down(db):\n{textwrap.indent(textwrap.dedent(down).strip(), '    ')}\n"
    )
    return path


def shop(directory: Path) -> Path:
    write(
        directory,
        "20250101000000",
        "create_items",
        """
        await db.items.create_index("code", unique=True, name="code_unique")
        await db.items.insert_many([{"code": c, "name": c.upper()} for c in "abc"])
        """,
        "await db.drop_collection('items')",
    )
    write(
        directory,
        "20250102000000",
        "add_flag",
        "await db.items.update_many({}, {'$set': {'flag': True}})",
        "await db.items.update_many({}, {'$unset': {'flag': ''}})",
    )
    write(
        directory,
        "20250103000000",
        "rename_name",
        "await db.items.update_many({}, {'$rename': {'name': 'title'}})",
        "await db.items.update_many({}, {'$rename': {'title': 'name'}})",
    )
    return directory


async def dump_all(db: Any) -> dict[str, list[dict[str, Any]]]:
    names = sorted(await db.list_collection_names())
    return {
        n: await db[n].find({}, {"applied_at": 0, "duration_ms": 0}).sort("_id", 1).to_list(None)
        for n in names
    }


async def items(db: Any) -> list[dict[str, Any]]:
    return await db.items.find({}, {"_id": 0}).sort("code", 1).to_list(None)  # type: ignore[no-any-return]


async def test_round_trip(mongo_db: Any, tmp_path: Path) -> None:
    migrator = Migrator(mongo_db, discover(shop(tmp_path / "m")))
    ran = await migrator.up(to="20250102000000_add_flag")
    assert [s.migration.id for s in ran] == [
        "20250101000000_create_items",
        "20250102000000_add_flag",
    ]
    assert [r.state for r in await migrator.status()] == ["applied", "applied", "pending"]
    await migrator.up()
    assert await items(mongo_db) == [{"code": c, "title": c.upper(), "flag": True} for c in "abc"]
    record = await mongo_db["_migrations"].find_one({"_id": "20250103000000_rename_name"})
    assert set(record) == {"_id", "description", "checksum", "applied_at", "duration_ms"}
    assert record["checksum"] == migrator.migrations[2].checksum

    assert [s.migration.id for s in await migrator.down()] == ["20250103000000_rename_name"]
    assert await items(mongo_db) == [{"code": c, "name": c.upper(), "flag": True} for c in "abc"]
    await migrator.down(steps=5)
    assert await migrator.status() == [r for r in await migrator.status() if r.state == "pending"]
    assert "items" not in await mongo_db.list_collection_names()
    await migrator.up()
    assert await items(mongo_db) == [{"code": c, "title": c.upper(), "flag": True} for c in "abc"]


async def test_dry_run_changes_nothing(mongo_db: Any, tmp_path: Path) -> None:
    migrator = Migrator(mongo_db, discover(shop(tmp_path / "m")))
    before = await dump_all(mongo_db)
    plan = await migrator.up(dry_run=True)
    assert [s.direction for s in plan] == ["up"] * 3
    assert await dump_all(mongo_db) == before
    await migrator.up(to="20250102000000_add_flag")
    before = await dump_all(mongo_db)
    plan = await migrator.down(steps=2, dry_run=True)
    assert [s.migration.id for s in plan] == [
        "20250102000000_add_flag",
        "20250101000000_create_items",
    ]
    assert await migrator.up(dry_run=True) == await migrator.plan_up()
    assert await dump_all(mongo_db) == before


async def test_concurrent_runners_apply_once(mongo_uri: str, mongo_db: Any, tmp_path: Path) -> None:
    directory = tmp_path / "m"
    write(
        directory,
        "20250101000000",
        "slow_counter",
        """
        await db.counter.update_one({"_id": 1}, {"$inc": {"runs": 1}}, upsert=True)
        await asyncio.sleep(0.6)
        """,
        "await db.counter.delete_many({})",
        "('counter',)",
    )
    clients = [AsyncMongoClient(mongo_uri) for _ in range(2)]
    try:
        runners = [Migrator(c[mongo_db.name], discover(directory), lock_wait=10) for c in clients]
        first, second = await asyncio.gather(runners[0].up(), runners[1].up())
        assert sorted([len(first), len(second)]) == [0, 1]  # the waiter found nothing left
        assert (await mongo_db.counter.find_one({"_id": 1}))["runs"] == 1
    finally:
        for client in clients:
            await client.close()


async def test_busy_lock_fails_clearly_and_stale_lock_is_taken_over(
    mongo_db: Any, tmp_path: Path
) -> None:
    migrator = Migrator(mongo_db, discover(shop(tmp_path / "m")), lock_wait=0.3)
    async with MigrationLock(mongo_db) as held:
        with pytest.raises(LockBusyError, match=held.owner):
            await migrator.up()
    assert await mongo_db["_migrations"].count_documents({}) == 0
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await mongo_db[LOCK_COLLECTION].insert_one(
        {"_id": LOCK_ID, "owner": "dead", "expires_at": past}
    )
    assert len(await migrator.up()) == 3
    assert await mongo_db[LOCK_COLLECTION].count_documents({}) == 0


async def test_checksum_drift_and_missing_file_are_reported(mongo_db: Any, tmp_path: Path) -> None:
    directory = shop(tmp_path / "m")
    await Migrator(mongo_db, discover(directory)).up(to="20250102000000_add_flag")
    edited = directory / "m20250101000000_create_items.py"
    edited.write_text(edited.read_text() + "\n# edited after being applied\n")
    migrator = Migrator(mongo_db, discover(directory))
    assert [r.state for r in await migrator.status()] == ["changed", "applied", "pending"]
    before = await dump_all(mongo_db)
    with pytest.raises(MigrationStateError, match=r"20250101000000_create_items.*checksum drift"):
        await migrator.up()
    with pytest.raises(MigrationStateError, match="checksum drift"):
        await migrator.down()
    assert await dump_all(mongo_db) == before
    (directory / "m20250102000000_add_flag.py").unlink()
    edited.write_text(edited.read_text().replace("\n# edited after being applied\n", ""))
    migrator = Migrator(mongo_db, discover(directory))
    assert [r.state for r in await migrator.status()] == ["applied", "missing-file", "pending"]
    with pytest.raises(
        MigrationStateError, match="20250102000000_add_flag: applied but its file is missing"
    ):
        await migrator.up()


def failing_set(directory: Path) -> Path:
    shop(directory)
    write(
        directory,
        "20250102000000",
        "add_flag",
        """
        await db.items.update_many({}, {'$set': {'flag': True}})
        await db.items.insert_one({'code': 'half-done'})
        raise RuntimeError('boom in the middle')
        """,
        "await db.items.update_many({}, {'$unset': {'flag': ''}})",
    )
    return directory


@pytest.mark.parametrize("with_backup", [False, True])
async def test_failure_midway_leaves_state_consistent(
    mongo_db: Any, tmp_path: Path, with_backup: bool
) -> None:
    directory = failing_set(tmp_path / "m")
    backup_dir = tmp_path / "backups" if with_backup else None
    migrator = Migrator(mongo_db, discover(directory))
    with pytest.raises(
        MigrationFailedError, match=r"20250102000000_add_flag failed.*boom"
    ) as failure:
        await migrator.up(backup_dir=backup_dir)
    assert "Completed in this run: 20250101000000_create_items" in str(failure.value)
    assert [r.state for r in await migrator.status()] == ["applied", "pending", "pending"]
    assert await mongo_db[LOCK_COLLECTION].count_documents({}) == 0  # lock released
    docs = await items(mongo_db)
    assert all("title" not in d for d in docs)  # the migration after the failure did not run
    if with_backup:
        # restored to exactly the state before the failed migration, indexes included
        assert docs == [{"code": c, "name": c.upper()} for c in "abc"]
        indexes = await (await mongo_db.items.list_indexes()).to_list(None)
        assert {"code_unique"} <= {ix["name"] for ix in indexes}
        assert len(list(backup_dir.iterdir())) == 2  # one dump per migration that ran
    else:
        assert {"code": "half-done"} in docs  # without --backup, partial writes stay (documented)
    # fixing the failed migration (never recorded, so no drift) lets the run continue
    write(
        directory,
        "20250102000000",
        "add_flag",
        "await db.items.update_many({}, {'$set': {'flag': True}})",
        "await db.items.update_many({}, {'$unset': {'flag': ''}})",
    )
    await mongo_db.items.delete_many({"code": "half-done"})
    assert len(await Migrator(mongo_db, discover(directory)).up()) == 2


async def test_backup_restores_on_failed_down(mongo_db: Any, tmp_path: Path) -> None:
    directory = shop(tmp_path / "m")
    await Migrator(mongo_db, discover(directory)).up()
    write(
        directory,
        "20250104000000",
        "bad_down",
        "pass",
        "await db.items.delete_many({})\nraise ValueError('cannot go back')",
    )
    migrator = Migrator(mongo_db, discover(directory))
    await migrator.up()
    before = await items(mongo_db)
    with pytest.raises(MigrationFailedError, match="restored from"):
        await migrator.down(backup_dir=tmp_path / "b")
    assert await items(mongo_db) == before
    assert (await migrator.status())[-1].state == "applied"


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("m2025_short.py", '"""x."""\n', "named m<YYYYMMDDHHMMSS>"),
        ("m20250101000000_no_down.py", '"""x."""\nasync def up(db): pass\n', "async def down"),
        (
            "m20250101000000_sync_up.py",
            '"""x."""\ndef up(db): pass\nasync def down(db): pass\n',
            "async def up",
        ),
        (
            "m20250101000000_no_doc.py",
            "async def up(db): pass\nasync def down(db): pass\n",
            "docstring",
        ),
        (
            "m20250101000000_broken.py",
            '"""x."""\nimport not_a_module_anywhere\n',
            "failed to import",
        ),
    ],
)
def test_discovery_errors(tmp_path: Path, name: str, body: str, message: str) -> None:
    (tmp_path / name).write_text(body)
    with pytest.raises(MigrationDefinitionError, match=message):
        discover(tmp_path)


def test_discovery_of_the_records_package() -> None:
    found = discover("subgraphs.records.migrations")
    assert [m.id for m in found] == sorted(m.id for m in found)
    assert {m.id for m in found} >= {
        "20260101000000_initial_indexes",
        "20260201000000_price_amount_currency",
    }
    assert all(len(m.checksum) == 64 for m in found)
    collections = {m.id: m.collections for m in found}
    assert collections["20260101000000_initial_indexes"] == ("records",)
    assert collections["20261201000000_outbox_and_search_index"] == ("outbox", "search_index")


async def test_metrics_file_counts_runs_and_steps(mongo_db: Any, tmp_path: Path) -> None:
    """`migrate up --metrics-file` writes success and failure counts and durations
    where node_exporter's textfile collector reads them, failed runs included."""
    import argparse

    from prometheus_client.parser import text_string_to_metric_families

    from subgraphs.migrator.cli import run_migrate

    def samples(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        out = {}
        for family in text_string_to_metric_families(path.read_text()):
            for sample in family.samples:
                out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return out

    good = shop(tmp_path / "good")
    metrics_file = tmp_path / "textfile" / "records_migrations.prom"
    args = argparse.Namespace(
        action="up",
        to=None,
        dry_run=False,
        backup=None,
        lock_timeout=5.0,
        metrics_file=metrics_file,
    )
    lines: list[str] = []
    assert await run_migrate(args, lambda: mongo_db, good, lines.append) == 0
    found = samples(metrics_file)
    direction_up = (("direction", "up"), ("outcome", "success"))
    assert found[("migration_runs_total", direction_up)] == 1
    assert found[("migration_steps_total", direction_up)] == 3
    assert found[("migration_step_duration_seconds_count", (("direction", "up"),))] == 3

    failing = failing_set(tmp_path / "bad")
    args.metrics_file = tmp_path / "textfile" / "failed.prom"
    await mongo_db.drop_collection("_migrations")
    await mongo_db.drop_collection("items")
    assert await run_migrate(args, lambda: mongo_db, failing, lines.append) == 1
    found = samples(args.metrics_file)
    assert found[("migration_runs_total", (("direction", "up"), ("outcome", "failure")))] == 1
    assert found[("migration_steps_total", (("direction", "up"), ("outcome", "success")))] == 1
    assert found[("migration_steps_total", (("direction", "up"), ("outcome", "failure")))] == 1
