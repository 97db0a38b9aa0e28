"""Dump collections before a migration touches them, and put them back on failure.

Why: a migration may write many documents and MongoDB (standalone, or the embedded
server with DDL) cannot wrap that in one transaction. With `--backup DIR` the runner
dumps every collection the migration declares in `COLLECTIONS` (documents as BSON,
index specs as extended JSON), and restores them if the migration raises.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import bson
from bson import json_util


async def dump(db: Any, collections: tuple[str, ...], directory: Path) -> Path:
    """Write each collection to `directory/<name>.bson` + `<name>.indexes.json`."""
    directory.mkdir(parents=True, exist_ok=True)
    existing = set(await db.list_collection_names())
    for name in collections:
        exists = name in existing
        docs: list[dict[str, Any]] = []
        indexes: list[dict[str, Any]] = []
        if exists:
            docs = await db[name].find({}).to_list(None)
            indexes = [dict(ix) for ix in await (await db[name].list_indexes()).to_list(None)]
        with (directory / f"{name}.bson").open("wb") as out:
            for doc in docs:
                out.write(bson.encode(doc))
        meta = {"exists": exists, "indexes": indexes, "dumped_at": dt.datetime.now(dt.UTC)}
        (directory / f"{name}.indexes.json").write_text(json_util.dumps(meta, indent=2))
    return directory


async def restore(db: Any, collections: tuple[str, ...], directory: Path) -> None:
    """Replace each collection with its dump (documents and indexes)."""
    for name in collections:
        meta = json_util.loads((directory / f"{name}.indexes.json").read_text())
        docs = bson.decode_all((directory / f"{name}.bson").read_bytes())
        await db.drop_collection(name)
        if not meta["exists"]:
            continue
        await db.create_collection(name)
        for index in meta["indexes"]:
            if index["name"] == "_id_":
                continue
            options = {k: v for k, v in index.items() if k not in {"key", "v", "ns"}}
            await db[name].create_index(list(index["key"].items()), **options)
        if docs:
            await db[name].insert_many(docs, ordered=True)
