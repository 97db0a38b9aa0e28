"""The database the records go to, and the helpers every writer shares.

``records_url`` picks the URL (the section's own, else ``DATABASE_URL``, else the
registry's default SQLite file); ``upsert_statement`` builds a dialect's
``INSERT ... ON CONFLICT`` (PostgreSQL and SQLite spell it the same way in
SQLAlchemy, from different modules); ``claim_batch`` inserts a batch id and says
whether it was new, inside the caller's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from router.records.models import FlushBatch
from router.registry.database import async_url, database_url

MAX_PARAMETERS = 30_000
"""Bind parameters per statement: under PostgreSQL's 32,767 and SQLite's 32,766."""


def records_url(own: str | None) -> str:
    return async_url(own) if own else database_url()


def insert_for(connection: AsyncConnection, table: Table) -> Any:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def chunks(rows: list[dict[str, Any]], columns: int) -> list[list[dict[str, Any]]]:
    size = max(1, MAX_PARAMETERS // max(1, columns))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


async def claim_batch(connection: AsyncConnection, batch_id: str) -> bool:
    """Record ``batch_id`` as written; False if it already was (skip the batch)."""
    table = FlushBatch.__table__
    statement = (
        insert_for(connection, table)  # type: ignore[arg-type]
        .values(batch_id=batch_id, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["batch_id"])
        .returning(table.c.batch_id)
    )
    return (await connection.execute(statement)).first() is not None
