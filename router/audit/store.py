"""Writing audit batches (multi-row INSERT chunks, one transaction) and reading them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from router.audit.buffer import Entry
from router.records.database import chunks, claim_batch
from router.records.flusher import Batch
from router.records.timeparams import utc
from router.registry.models import AuditLog

MAX_LIMIT = 1000


class AuditStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, batch: Batch[list[Entry]]) -> int:
        table = cast(Table, AuditLog.__table__)
        async with self.engine.begin() as connection:
            if not await claim_batch(connection, batch.id):
                return 0
            for chunk in chunks(batch.rows, 7):
                await connection.execute(table.insert(), chunk)
        return batch.count

    async def seen_key_ips(self, limit: int = 100_000) -> list[tuple[str, str]]:
        """(key id, ip) pairs already audited as new, newest first."""
        table = AuditLog.__table__
        query = (
            select(table.c.target, table.c.ip)
            .where(table.c.action == "api_key.new_ip")
            .order_by(table.c.created_at.desc())
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(str(r[0]), str(r[1])) for r in rows if r[0] and r[1]]


async def audit_entries(
    engine: AsyncEngine,
    actor: str | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Entries newest first, filtered by actor (exact, or a prefix ending in ``*``),
    action (exact, or a prefix ending in ``*``: ``service.*``) and time."""
    table = AuditLog.__table__
    where: ColumnElement[bool] = true()
    if actor:
        where = and_(where, _match(table.c.actor, actor))
    if action:
        where = and_(where, _match(table.c.action, action))
    if start is not None:
        where = and_(where, table.c.created_at >= start)
    if end is not None:
        where = and_(where, table.c.created_at < end)
    if before_id is not None:
        where = and_(where, table.c.id < before_id)
    query = (
        select(table)
        .where(where)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    return [
        {
            "id": r["id"],
            "at": utc(r["created_at"]).isoformat(),
            "actor": r["actor"],
            "action": r["action"],
            "target": r["target"],
            "detail": r["detail"],
            "request_id": r["request_id"],
            "ip": r["ip"],
        }
        for r in rows
    ]


def _match(column: Any, value: str) -> ColumnElement[bool]:
    if value.endswith("*"):
        prefix = value[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(prefix + "%", escape="\\")  # type: ignore[no-any-return]
    return column == value  # type: ignore[no-any-return]
