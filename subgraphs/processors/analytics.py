"""`analytics`: per-category, per-day counts of created/updated/deleted records.

Counts go to the `category_stats` table of DATABASE_URL (the categories service's
database), which the categories subgraph serves as `categoryStats` / `Category.stats`.
A record in several categories counts in each; media changes count as updates.
"""

from __future__ import annotations

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from subgraphs.categories.stats import CategoryDayStatsRow
from subgraphs.events.envelope import Event
from subgraphs.processors.base import Outcome, Processor
from subgraphs.processors.sql import ProcessedEventRow, once, processor_engine

COUNTER = {
    "RecordCreated": "created",
    "RecordUpdated": "updated",
    "RecordDeleted": "deleted",
    "MediaAdded": "updated",
    "MediaRemoved": "updated",
    "MediaReordered": "updated",
}


class AnalyticsProcessor(Processor):
    name = "analytics"
    subjects = ("records.record.*", "records.media.*")

    def __init__(self, engine: AsyncEngine | None = None) -> None:
        super().__init__()
        self.engine = engine or processor_engine()

    async def start(self) -> None:
        async with self.engine.begin() as connection:
            for table in (CategoryDayStatsRow.__table__, ProcessedEventRow.__table__):
                await connection.run_sync(table.create, checkfirst=True)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self.engine.dispose()

    async def handle(self, event: Event) -> Outcome:
        counter = COUNTER.get(event["type"])
        if counter is None:
            return Outcome.APPLIED  # not a record change: nothing to count
        data = event["data"]
        categories = (data.get("record") or data).get("categoryIds", [])
        day = event["time"][:10]

        async def count(session: AsyncSession) -> None:
            for category_id in sorted(set(categories)):
                await session.execute(self._upsert(category_id, day, counter))

        return await once(self.engine, self.name, event["id"], self.instance, count)

    def _upsert(self, category_id: str, day: str, counter: str) -> Executable:
        """INSERT ... ON CONFLICT DO UPDATE counter = counter + 1 (SQLite, PostgreSQL)."""
        values = {"category_id": category_id, "day": day, "created": 0, "updated": 0, "deleted": 0}
        values[counter] = 1
        increment = {counter: getattr(CategoryDayStatsRow, counter) + 1}
        keys = ["category_id", "day"]
        if self.engine.dialect.name == "postgresql":
            pg = pg_insert(CategoryDayStatsRow).values(**values)
            return pg.on_conflict_do_update(index_elements=keys, set_=increment)
        lite = sqlite_insert(CategoryDayStatsRow).values(**values)
        return lite.on_conflict_do_update(index_elements=keys, set_=increment)
