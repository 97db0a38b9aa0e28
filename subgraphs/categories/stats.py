"""Per-category, per-day counts of record changes, kept by the `analytics` processor
(subgraphs/processors/analytics.py) in this service's database and read here for the
`categoryStats` field. Days are UTC dates of the events' `time`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from subgraphs.categories.models import Base
from subgraphs.graphql_errors import UserInputError

MAX_DAYS = 366


class CategoryDayStatsRow(Base):
    __tablename__ = "category_stats"

    category_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)


async def category_stats(
    sessions: async_sessionmaker[AsyncSession], category_id: str, days: int
) -> list[CategoryDayStatsRow]:
    """The category's days with activity among the last `days` days, oldest first."""
    if days < 1 or days > MAX_DAYS:
        raise UserInputError(f"days must be between 1 and {MAX_DAYS}", "days")
    since = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)).isoformat()
    query = (
        select(CategoryDayStatsRow)
        .where(CategoryDayStatsRow.category_id == category_id, CategoryDayStatsRow.day >= since)
        .order_by(CategoryDayStatsRow.day)
    )
    async with sessions() as session:
        return list(await session.scalars(query))
