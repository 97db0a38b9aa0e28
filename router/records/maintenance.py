"""Partitions and retention: ``gateway maintenance run`` and the in-process schedule.

1. The retention rules in ``retention_metadata`` get this router's
   ``audit.retention_days`` (``audit_logs``) and ``usage.retention_days``
   (``usage_stats``, ``api_key_usage``); 0 keeps everything.
2. When ``audit_logs`` is partitioned (PostgreSQL, ``audit.partitioning: monthly``),
   this month's and the next two months' partitions are created with
   ``create_audit_logs_partition``, and the partitions wholly older than the audit
   cutoff are dropped (one ``DROP TABLE`` instead of millions of deletes).
3. Every other rule deletes expired rows in batches (``batch_size``, 5,000 by
   default), one short transaction per batch so no lock is held for long, and
   notes what it did (``last_run_at``, ``last_cutoff``, ``rows_deleted``). For a
   partitioned ``audit_logs`` this only reaches rows in the default partition.

On PostgreSQL a session advisory lock keeps two routers (or workers) from running
it at the same time; the loser skips the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from router.records.models import RetentionRule

log = logging.getLogger("router.maintenance")

LOCK_ID = 7_512_048_331
KEYS = {
    "audit_logs": ("id",),
    "usage_stats": ("id",),
    "api_key_usage": ("minute", "key_id"),
    "flush_batches": ("batch_id",),
}
"""Tables retention may touch, with the columns that identify a row (the metadata
table's names are checked against this list before they reach SQL)."""
TIME_COLUMNS = {"created_at", "hour", "minute"}
MONTHS_AHEAD = 2


@dataclass
class MaintenanceReport:
    skipped: bool = False
    partitioned: bool = False
    created_partitions: list[str] = field(default_factory=list)
    dropped_partitions: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)

    def json(self) -> dict[str, object]:
        return {
            "skipped": self.skipped,
            "partitioned": self.partitioned,
            "created_partitions": self.created_partitions,
            "dropped_partitions": self.dropped_partitions,
            "deleted": self.deleted,
        }


def first_of_month(day: date, months_ahead: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_ahead
    return date(index // 12, index % 12 + 1, 1)


async def audit_partitioned(connection: AsyncConnection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    found = await connection.execute(
        text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('audit_logs')")
    )
    return found.first() is not None


async def run_maintenance(
    engine: AsyncEngine,
    audit_retention_days: int | None = None,
    usage_retention_days: int | None = None,
    now: datetime | None = None,
) -> MaintenanceReport:
    now = now or datetime.now(UTC)
    report = MaintenanceReport()
    async with engine.connect() as lock:
        postgres = lock.dialect.name == "postgresql"
        if postgres:
            got = await lock.scalar(text(f"SELECT pg_try_advisory_lock({LOCK_ID})"))
            await lock.commit()
            if not got:
                report.skipped = True
                return report
        try:
            await _set_rules(engine, audit_retention_days, usage_retention_days)
            async with engine.begin() as connection:
                report.partitioned = await audit_partitioned(connection)
                rules = (await connection.execute(select(RetentionRule.__table__))).mappings().all()
            if report.partitioned:
                await _partitions(engine, now, rules, report)
            for rule in rules:
                await _retain(engine, dict(rule), now, report)
        finally:
            if postgres:
                await lock.execute(text(f"SELECT pg_advisory_unlock({LOCK_ID})"))
                await lock.commit()
    return report


async def _set_rules(engine: AsyncEngine, audit_days: int | None, usage_days: int | None) -> None:
    table = cast(Table, RetentionRule.__table__)
    async with engine.begin() as connection:
        for name, days in (
            ("audit_logs", audit_days),
            ("usage_stats", usage_days),
            ("api_key_usage", usage_days),
        ):
            if days is not None:
                await connection.execute(
                    update(table).where(table.c.table_name == name).values(retention_days=days)
                )


async def _partitions(
    engine: AsyncEngine, now: datetime, rules: Sequence[Any], report: MaintenanceReport
) -> None:
    async with engine.begin() as connection:
        for ahead in range(MONTHS_AHEAD + 1):
            month = first_of_month(now.date(), ahead)
            name = await connection.scalar(
                text("SELECT create_audit_logs_partition(:month)"), {"month": month}
            )
            report.created_partitions.append(str(name))
    days = next(
        (int(r["retention_days"]) for r in rules if r["table_name"] == "audit_logs"),
        0,
    )
    if days <= 0:
        return
    cutoff = now - timedelta(days=days)
    async with engine.begin() as connection:
        rows = await connection.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass('audit_logs') AND c.relname LIKE 'audit_logs_p%'"
            )
        )
        for (name,) in rows.all():
            suffix = str(name)[len("audit_logs_p") :]
            if len(suffix) != 6 or not suffix.isdigit():
                continue
            start = date(int(suffix[:4]), int(suffix[4:]), 1)
            end = datetime.combine(first_of_month(start, 1), datetime.min.time(), UTC)
            if end <= cutoff:
                await connection.execute(text(f'DROP TABLE "{name}"'))
                report.dropped_partitions.append(str(name))


async def _retain(
    engine: AsyncEngine, rule: dict[str, object], now: datetime, report: MaintenanceReport
) -> None:
    name, column = str(rule["table_name"]), str(rule["time_column"])
    days, batch = int(rule["retention_days"]), max(1, int(rule["batch_size"]))  # type: ignore[call-overload]
    if name not in KEYS or column not in TIME_COLUMNS:
        log.warning("retention_metadata names an unknown table or column: %s.%s", name, column)
        return
    if days <= 0:
        return
    cutoff = now - timedelta(days=days)
    keys = ", ".join(KEYS[name])
    statement = text(
        f"DELETE FROM {name} WHERE ({keys}) IN "
        f"(SELECT {keys} FROM {name} WHERE {column} < :cutoff LIMIT {batch})"
    )
    total = 0
    while True:
        async with engine.begin() as connection:
            deleted = (await connection.execute(statement, {"cutoff": cutoff})).rowcount
        total += deleted
        if deleted < batch:
            break
        await asyncio.sleep(0)  # let requests run between batches
    table = cast(Table, RetentionRule.__table__)
    async with engine.begin() as connection:
        await connection.execute(
            update(table)
            .where(table.c.table_name == name)
            .values(last_run_at=now, last_cutoff=cutoff, rows_deleted=table.c.rows_deleted + total)
        )
    report.deleted[name] = total


class MaintenanceLoop:
    """Runs maintenance every ``interval_s`` (first run shortly after start)."""

    def __init__(
        self, engine: AsyncEngine, interval_s: float, audit_days: int, usage_days: int
    ) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.audit_days = audit_days
        self.usage_days = usage_days
        self.last: MaintenanceReport | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="records-maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(min(5.0, self.interval_s))
        while True:
            try:
                self.last = await run_maintenance(self.engine, self.audit_days, self.usage_days)
            except Exception as exc:
                log.warning("maintenance run failed: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self.interval_s)
