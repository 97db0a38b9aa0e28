"""Writing a usage batch: one transaction, one ``INSERT ... ON CONFLICT DO UPDATE``
per chunk that adds to the existing rows, plus the operation documents.

Rows are sorted by key so two workers flushing overlapping keys lock them in the
same order (no deadlock on PostgreSQL). The batch id goes in first: a batch that
was already committed is skipped whole.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine

from router.records.database import claim_batch, insert_for
from router.records.flusher import Batch
from router.records.models import BUCKET_COLUMNS, UsageOperation, UsageStat
from router.usage.buffer import BYTES, DURATION, ERRORS, FIRST_BUCKET, REQUESTS, UsageRows

SUMMED = ("requests", "errors", "duration_ms", "response_bytes", *BUCKET_COLUMNS)
KEY = ("hour", "client_kind", "client", "operation_name", "operation_hash")


_TYPES = {
    "hour": "timestamptz",
    "client_kind": "varchar",
    "client": "varchar",
    "operation_name": "varchar",
    "operation_hash": "varchar",
    "duration_ms": "float8",
}
_ORDER = (*KEY, *SUMMED)
UNNEST_UPSERT = text(
    f"INSERT INTO usage_stats ({', '.join(_ORDER)}) "
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'bigint')}[])" for c in _ORDER)
    + f") ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = usage_stats.{c} + EXCLUDED.{c}" for c in SUMMED)
)
"""PostgreSQL: the whole batch as one statement, one array per column (``unnest``):
one round trip and one plan for 5,000 rows."""


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in _ORDER}


def _hour(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def stat_rows(rows: UsageRows) -> list[dict[str, Any]]:
    out = []
    for key in sorted(rows.counters):
        values = rows.counters[key]
        hour, kind, client, name, digest = key
        row: dict[str, Any] = {
            "hour": _hour(hour),
            "client_kind": kind,
            "client": client,
            "operation_name": name,
            "operation_hash": digest,
            "requests": int(values[REQUESTS]),
            "errors": int(values[ERRORS]),
            "duration_ms": float(values[DURATION]),
            "response_bytes": int(values[BYTES]),
        }
        for i, column in enumerate(BUCKET_COLUMNS):
            row[column] = int(values[FIRST_BUCKET + i])
        out.append(row)
    return out


class UsageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, batch: Batch[UsageRows]) -> int:
        stats = stat_rows(batch.rows)
        now = datetime.now(UTC)
        operations = [
            {"hash": digest, "name": name, "document": text, "first_seen": now, "last_seen": now}
            for digest, (name, text) in sorted(batch.rows.documents.items())
        ]
        async with self.engine.begin() as connection:
            if not await claim_batch(connection, batch.id):
                return 0
            table = UsageStat.__table__
            if stats and connection.dialect.name == "postgresql":
                await connection.execute(UNNEST_UPSERT, _columns(stats))
            elif stats:
                statement = insert_for(connection, table)  # type: ignore[arg-type]
                excluded = statement.excluded
                statement = statement.on_conflict_do_update(
                    index_elements=list(KEY),
                    set_={c: table.c[c] + excluded[c] for c in SUMMED},
                )
                # executemany: compiled once, sent in pipelined / multi-row batches by
                # the driver (a 1,000-row VALUES statement costs more to compile than to run)
                await connection.execute(statement, stats)
            if operations:
                ops = UsageOperation.__table__
                statement = insert_for(connection, ops)  # type: ignore[arg-type]
                excluded = statement.excluded
                statement = statement.on_conflict_do_update(
                    index_elements=["hash"],
                    set_={
                        "last_seen": excluded.last_seen,
                        "document": func.coalesce(ops.c.document, excluded.document),
                        "name": func.coalesce(ops.c.name, excluded.name),
                    },
                )
                await connection.execute(statement, operations)
        return len(stats)
