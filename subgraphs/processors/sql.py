"""The SQL side of processors: engine, the processed-events memory, notifications.

Analytics and notifications write to DATABASE_URL (default: the categories service's
SQLite file, so `categoryStats` reads what analytics writes). The processed-event row is
inserted in the same transaction as the effect, so an event's effect happens once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Awaitable, Callable

from sqlalchemy import DateTime, Integer, String, Text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.categories.settings import DEFAULT_DATABASE_URL, async_url
from subgraphs.processors.base import Outcome


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ProcessorBase(DeclarativeBase):
    pass


class ProcessedEventRow(ProcessorBase):
    """One row per (processor, event id) ever applied; `deliveries` counts arrivals."""

    __tablename__ = "processed_events"

    processor: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance: Mapped[str] = mapped_column(String(128))
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    processed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationRow(ProcessorBase):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    instance: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def processor_engine(url: str | None = None, schema: str | None = None) -> AsyncEngine:
    """DATABASE_URL's engine; SQLite files get a long busy timeout, since the
    categories service and several processors write the same file."""
    url = async_url(url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    schema = schema or os.environ.get("DATABASE_SCHEMA")
    connect_args: dict[str, object] = {}
    if sqlite:
        connect_args["timeout"] = 30
    elif schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)


class _Seen(Exception):
    pass


async def once(
    engine: AsyncEngine,
    processor: str,
    event_id: str,
    instance: str,
    effect: Callable[[AsyncSession], Awaitable[None]],
) -> Outcome:
    """Run `effect` in one transaction with the claim on the event id: both commit or
    neither. An id claimed before means DUPLICATE (its delivery count goes up)."""
    try:
        async with AsyncSession(engine) as session, session.begin():
            session.add(
                ProcessedEventRow(processor=processor, event_id=event_id, instance=instance)
            )
            try:
                await session.flush()
            except IntegrityError as exc:
                raise _Seen from exc
            await effect(session)
    except _Seen:
        await _count_redelivery(engine, processor, event_id)
        return Outcome.DUPLICATE
    return Outcome.APPLIED


async def _count_redelivery(engine: AsyncEngine, processor: str, event_id: str) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(
            update(ProcessedEventRow)
            .where(ProcessedEventRow.processor == processor, ProcessedEventRow.event_id == event_id)
            .values(deliveries=ProcessedEventRow.deliveries + 1)
        )
