"""Operations seen since a moment: each document once, with its request count.

``operations_seen`` is the contract schema checks (router/checks) rely on: every
operation hash with traffic in ``usage_stats`` since ``since``, its name, its
document (None when it was too long to store, or recorded before documents were)
and the requests summed over the window. ``GET /admin/api/usage/operations`` is the
same over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from router.records.models import UsageOperation, UsageStat
from router.registry.database import make_engine

MAX_OPERATIONS = 10_000


@dataclass(frozen=True, slots=True)
class SeenOperation:
    hash: str
    name: str | None
    document: str | None
    requests: int

    def json(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "name": self.name,
            "document": self.document,
            "requests": self.requests,
        }


async def operations_seen(
    database: AsyncEngine | str, since: datetime, limit: int = MAX_OPERATIONS
) -> list[SeenOperation]:
    """Operations with requests since ``since``, most requested first. ``database`` is
    an engine or a URL (a URL's engine is made and disposed here)."""
    engine = make_engine(database) if isinstance(database, str) else database
    try:
        stats, ops = UsageStat.__table__, UsageOperation.__table__
        totals = (
            select(stats.c.operation_hash, func.sum(stats.c.requests).label("requests"))
            .where(stats.c.hour >= _hour_floor(since), stats.c.operation_hash != "")
            .group_by(stats.c.operation_hash)
            .subquery()
        )
        query = (
            select(totals.c.operation_hash, ops.c.name, ops.c.document, totals.c.requests)
            .select_from(totals.outerjoin(ops, ops.c.hash == totals.c.operation_hash))
            .order_by(totals.c.requests.desc(), totals.c.operation_hash)
            .limit(limit)
        )
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [SeenOperation(str(r[0]), r[1], r[2], int(r[3] or 0)) for r in rows]
    finally:
        if isinstance(database, str):
            await engine.dispose()


def _hour_floor(moment: datetime) -> datetime:
    """Rows are per hour: the hour ``since`` falls in counts (it overlaps the window)."""
    return moment.replace(minute=0, second=0, microsecond=0)
