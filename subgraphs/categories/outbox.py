"""The categories outbox: an `event_outbox` table written in the same SQL transaction
as the category change, so an event exists exactly when its change committed.

The relay (subgraphs.events.relay) publishes unsent rows in `seq` order and stamps
`sent_at`; sent rows older than a week are purged by the relay.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from subgraphs.categories.models import Base, CategoryRow, utcnow
from subgraphs.events.envelope import Event, isoformat, make_event
from subgraphs.events.relay import OutboxLag

SENT_KEPT = dt.timedelta(days=7)
PURGE_EVERY = dt.timedelta(hours=1)


class OutboxRow(Base):
    __tablename__ = "event_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def category_snapshot(row: CategoryRow) -> dict[str, Any]:
    """The category as events carry it (schemas/defs.json#/$defs/category)."""
    return {
        "id": str(row.id),
        "name": row.name,
        "slug": row.slug,
        "description": row.description,
        "parentId": None if row.parent_id is None else str(row.parent_id),
        "createdAt": isoformat(_aware(row.created_at)),
        "updatedAt": isoformat(_aware(row.updated_at)),
    }


def add_event(session: AsyncSession, event_type: str, row: CategoryRow, **data: Any) -> Event:
    """Queue an event in the caller's transaction (it commits or rolls back with it)."""
    event = make_event(
        event_type,
        str(row.id),
        {"category": category_snapshot(row), **data},
        uuid.uuid4().hex,
        dt.datetime.now(dt.UTC),
    )
    session.add(OutboxRow(id=event["id"], type=event_type, payload=json.dumps(event)))
    return event


class CategoryOutbox:
    """The relay's view of the table (OutboxStore)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._purged_at: dt.datetime | None = None

    async def ready(self, limit: int) -> list[Event]:
        query = (
            select(OutboxRow.payload)
            .where(OutboxRow.sent_at.is_(None))
            .order_by(OutboxRow.seq)
            .limit(limit)
        )
        async with self.sessions() as session:
            return [json.loads(p) for p in await session.scalars(query)]

    async def mark_sent(self, event_ids: list[str]) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(event_ids)).values(sent_at=utcnow())
            )

    async def reconcile(self) -> int:
        """Nothing is ever undecided here (one transaction); purge old sent rows (hourly)."""
        now = utcnow()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return 0
        self._purged_at = now
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.sent_at < utcnow() - SENT_KEPT)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def lag(self) -> OutboxLag:
        query = select(func.count(), func.min(OutboxRow.created_at)).where(
            OutboxRow.sent_at.is_(None)
        )
        async with self.sessions() as session:
            count, oldest = (await session.execute(query)).one()
        if not count or oldest is None:
            return OutboxLag(0, 0.0)
        age = (dt.datetime.now(dt.UTC) - _aware(oldest)).total_seconds()
        return OutboxLag(int(count), max(age, 0.0))
