"""Records' real migrations through the `records migrate` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from subgraphs.migrator.cli import run_migrate
from subgraphs.records.cli import MIGRATIONS, build_parser

OLD_SHAPE = [
    {"sku": "OLD-1", "name": "Old one", "price": 12.5, "currency": "USD"},
    {"sku": "OLD-2", "name": "Old two", "price": 3},
]


async def migrate(db: Any, *argv: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    args = build_parser().parse_args(["migrate", *argv])
    code = await run_migrate(args, lambda: db, MIGRATIONS, echo=lines.append)
    return code, lines


async def test_records_migrations_round_trip(mongo_db: Any, tmp_path: Path) -> None:
    await mongo_db["records"].insert_many([dict(d) for d in OLD_SHAPE])
    code, lines = await migrate(mongo_db, "plan")
    assert code == 0 and len(lines) == 3 and all(line.startswith("would run: up") for line in lines)

    code, lines = await migrate(mongo_db, "up", "--backup", str(tmp_path / "bk"))
    assert code == 0, lines
    docs = await mongo_db["records"].find({}, {"_id": 0}).sort("sku", 1).to_list(None)
    assert docs == [
        {"sku": "OLD-1", "name": "Old one", "price": {"amount": 12.5, "currency": "USD"}},
        {"sku": "OLD-2", "name": "Old two", "price": {"amount": 3.0, "currency": "EUR"}},
    ]
    indexes = {
        ix["name"]: ix for ix in await (await mongo_db["records"].list_indexes()).to_list(None)
    }
    assert indexes["sku_unique"]["unique"] is True
    assert {"category_ids", "tags", "status", "price_amount"} <= set(indexes)
    assert "name_text" in indexes or "name" in indexes

    code, lines = await migrate(mongo_db, "status")
    assert code == 0 and [line.split()[0] for line in lines] == ["applied"] * 3
    outbox = {ix["name"] for ix in await (await mongo_db["outbox"].list_indexes()).to_list(None)}
    assert {"state_id", "sent_at_ttl"} <= outbox

    code, lines = await migrate(mongo_db, "down", "--steps", "3")
    assert code == 0, lines
    docs = await mongo_db["records"].find({}, {"_id": 0}).sort("sku", 1).to_list(None)
    assert docs == [
        {"sku": "OLD-1", "name": "Old one", "price": 12.5, "currency": "USD"},
        {"sku": "OLD-2", "name": "Old two", "price": 3.0, "currency": "EUR"},
    ]
    names = {ix["name"] for ix in await (await mongo_db["records"].list_indexes()).to_list(None)}
    assert names == {"_id_"}

    code, lines = await migrate(mongo_db, "down", "--steps", "0")
    assert code == 2 and "--steps must be at least 1" in lines[0]
    code, lines = await migrate(mongo_db, "up", "--to", "20990101000000_nope")
    assert code == 2 and "unknown migration id" in lines[0]


def test_console_script(mongo_uri: str) -> None:
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": "cli_console_test"}
    script = Path(sys.executable).with_name("records")
    result = subprocess.run(
        [str(script), "migrate", "discover"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "20260101000000_initial_indexes" in result.stdout
    result = subprocess.run(
        [str(script), "migrate", "up", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.count("would run: up") == 3
    bad = subprocess.run(
        [str(script), "migrate", "sideways"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
