"""Apply and revert migrations, recording each in the `_migrations` collection.

Guarantees (see docs/migrations.md):
- One runner at a time (`MigrationLock`); state is re-read after the lock is taken, so a
  runner that waited sees what the other applied.
- An applied migration whose file changed (checksum drift), or that has no file any
  more, stops `up`/`down` before anything runs.
- A migration is recorded only after its step returned. If one raises, the run stops:
  earlier ones stay recorded, the failed one is not, later ones do not run, and with a
  backup directory its collections are restored to their state before it started.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from subgraphs.migrator import backup
from subgraphs.migrator.discovery import Migration
from subgraphs.migrator.lock import MigrationLock
from subgraphs.migrator.metrics import MigrationMetrics

STATE_COLLECTION = "_migrations"
Direction = Literal["up", "down"]


class MigrationStateError(RuntimeError):
    """Recorded state and migration files disagree (drift, missing file, unknown id)."""


class MigrationFailedError(RuntimeError):
    """A migration raised; the message says which, and what state the database is in."""


@dataclass(frozen=True)
class StatusRow:
    id: str
    description: str
    state: Literal["applied", "pending", "changed", "missing-file"]
    applied_at: dt.datetime | None = None
    duration_ms: float | None = None


@dataclass(frozen=True)
class PlanStep:
    direction: Direction
    migration: Migration

    def describe(self) -> str:
        touched = ", ".join(self.migration.collections) or "-"
        return f"{self.direction:<4} {self.migration.id}  {self.migration.description}  [{touched}]"


class Migrator:
    """Runs one service's migrations against one database."""

    def __init__(
        self,
        db: Any,
        migrations: list[Migration],
        *,
        lock_wait: float = 30.0,
        lock_lease: float = 600.0,
        echo: Callable[[str], None] = lambda _line: None,
        metrics: MigrationMetrics | None = None,
    ) -> None:
        self.db = db
        self.metrics = metrics
        self.migrations = sorted(migrations, key=lambda m: m.id)
        self.lock_wait = lock_wait
        self.lock_lease = lock_lease
        self.echo = echo

    async def _applied(self) -> dict[str, dict[str, Any]]:
        rows = await self.db[STATE_COLLECTION].find({}).to_list(None)
        return {row["_id"]: row for row in rows}

    async def status(self) -> list[StatusRow]:
        applied = await self._applied()
        by_id = {m.id: m for m in self.migrations}
        rows: list[StatusRow] = []
        for migration_id in sorted(set(by_id) | set(applied)):
            record = applied.get(migration_id)
            migration = by_id.get(migration_id)
            if migration is None:
                assert record is not None
                rows.append(
                    StatusRow(
                        migration_id,
                        record.get("description", ""),
                        "missing-file",
                        record.get("applied_at"),
                        record.get("duration_ms"),
                    )
                )
            elif record is None:
                rows.append(StatusRow(migration_id, migration.description, "pending"))
            else:
                state: Literal["applied", "changed"] = (
                    "applied" if record.get("checksum") == migration.checksum else "changed"
                )
                rows.append(
                    StatusRow(
                        migration_id,
                        migration.description,
                        state,
                        record.get("applied_at"),
                        record.get("duration_ms"),
                    )
                )
        return rows

    async def _check_consistent(self) -> dict[str, dict[str, Any]]:
        problems = [r for r in await self.status() if r.state in {"changed", "missing-file"}]
        if problems:
            detail = "; ".join(
                f"{r.id}: {'file changed after it was applied (checksum drift)' if r.state == 'changed' else 'applied but its file is missing'}"
                for r in problems
            )
            raise MigrationStateError(
                f"refusing to migrate: {detail}. Restore the original file, or write a new "
                "migration instead of editing an applied one."
            )
        return await self._applied()

    def _plan_up(self, applied: dict[str, Any], to: str | None) -> list[PlanStep]:
        if to is not None and to not in {m.id for m in self.migrations}:
            raise MigrationStateError(f"unknown migration id {to!r} for --to")
        return [
            PlanStep("up", m)
            for m in self.migrations
            if m.id not in applied and (to is None or m.id <= to)
        ]

    def _plan_down(self, applied: dict[str, Any], steps: int) -> list[PlanStep]:
        if steps < 1:
            raise MigrationStateError("--steps must be at least 1")
        done = [m for m in self.migrations if m.id in applied]
        return [PlanStep("down", m) for m in reversed(done[-steps:])]

    async def plan_up(self, to: str | None = None) -> list[PlanStep]:
        return self._plan_up(await self._check_consistent(), to)

    async def plan_down(self, steps: int = 1) -> list[PlanStep]:
        return self._plan_down(await self._check_consistent(), steps)

    async def up(
        self, to: str | None = None, *, dry_run: bool = False, backup_dir: Path | None = None
    ) -> list[PlanStep]:
        """Apply pending migrations (up to and including `to`); returns what ran."""
        if dry_run:
            return await self.plan_up(to)
        started = time.perf_counter()
        try:
            async with MigrationLock(self.db, wait=self.lock_wait, lease=self.lock_lease) as lock:
                steps = self._plan_up(await self._check_consistent(), to)
                await self._run(steps, lock, backup_dir)
        except Exception:
            self._count_run("up", started, ok=False)
            raise
        self._count_run("up", started, ok=True)
        return steps

    async def down(
        self, steps: int = 1, *, dry_run: bool = False, backup_dir: Path | None = None
    ) -> list[PlanStep]:
        """Revert the last `steps` applied migrations, newest first; returns what ran."""
        if dry_run:
            return await self.plan_down(steps)
        started = time.perf_counter()
        try:
            async with MigrationLock(self.db, wait=self.lock_wait, lease=self.lock_lease) as lock:
                plan = self._plan_down(await self._check_consistent(), steps)
                await self._run(plan, lock, backup_dir)
        except Exception:
            self._count_run("down", started, ok=False)
            raise
        self._count_run("down", started, ok=True)
        return plan

    def _count_run(self, direction: str, started: float, ok: bool) -> None:
        if self.metrics is not None:
            self.metrics.run(direction, time.perf_counter() - started, ok)

    async def _run(
        self, plan: list[PlanStep], lock: MigrationLock, backup_dir: Path | None
    ) -> None:
        state = self.db[STATE_COLLECTION]
        for index, step in enumerate(plan):
            migration = step.migration
            snapshot: Path | None = None
            if backup_dir is not None and migration.collections:
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
                snapshot = backup_dir / f"{stamp}-{step.direction}-{migration.id}"
                await backup.dump(self.db, migration.collections, snapshot)
                self.echo(f"backed up {', '.join(migration.collections)} to {snapshot}")
            self.echo(f"{step.direction} {migration.id} ...")
            started = time.perf_counter()
            try:
                await (migration.up if step.direction == "up" else migration.down)(self.db)
            except Exception as exc:
                if self.metrics is not None:
                    self.metrics.step(step.direction, time.perf_counter() - started, ok=False)
                restored = ""
                if snapshot is not None:
                    await backup.restore(self.db, migration.collections, snapshot)
                    restored = (
                        f" Collections {', '.join(migration.collections)} restored from {snapshot}."
                    )
                done = ", ".join(s.migration.id for s in plan[:index]) or "none"
                raise MigrationFailedError(
                    f"{step.direction} {migration.id} failed: {exc!r}. Completed in this run: "
                    f"{done}; {migration.id} is not recorded and nothing after it ran.{restored}"
                ) from exc
            duration_ms = (time.perf_counter() - started) * 1000
            if self.metrics is not None:
                self.metrics.step(step.direction, duration_ms / 1000, ok=True)
            if step.direction == "up":
                await state.replace_one(
                    {"_id": migration.id},
                    {
                        "_id": migration.id,
                        "description": migration.description,
                        "checksum": migration.checksum,
                        "applied_at": dt.datetime.now(dt.UTC),
                        "duration_ms": round(duration_ms, 3),
                    },
                    upsert=True,
                )
            else:
                await state.delete_one({"_id": migration.id})
            await lock.renew()
            self.echo(f"{step.direction} {migration.id} done in {duration_ms:.0f} ms")
