"""The `migrate` command line, reusable by any service: `<service> migrate ...`.

A service adds it with `add_migrate_parser(subparsers)` and runs it with
`run_migrate(args, db, "<service>.migrations")`. Exit codes: 0 ok, 1 a migration failed,
2 bad usage or inconsistent state (drift, missing file), 3 the lock is busy.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError

from subgraphs.migrator.discovery import MigrationDefinitionError, discover
from subgraphs.migrator.lock import LockBusyError
from subgraphs.migrator.metrics import MigrationMetrics
from subgraphs.migrator.runner import (
    MigrationFailedError,
    MigrationStateError,
    Migrator,
    PlanStep,
)


def add_migrate_parser(subparsers: Any) -> argparse.ArgumentParser:
    migrate: argparse.ArgumentParser = subparsers.add_parser("migrate", help="database migrations")
    actions = migrate.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="applied, pending and changed migrations")
    actions.add_parser("plan", help="what `up` would apply, in order")
    actions.add_parser("discover", help="list migration files found (no database needed)")
    up = actions.add_parser("up", help="apply pending migrations")
    up.add_argument("--to", metavar="ID", help="stop after this migration id")
    down = actions.add_parser("down", help="revert applied migrations, newest first")
    down.add_argument("--steps", type=int, default=1, metavar="N", help="how many (default 1)")
    for sub in (up, down):
        sub.add_argument("--dry-run", action="store_true", help="print what would run, run nothing")
        sub.add_argument(
            "--backup",
            type=Path,
            metavar="DIR",
            help="dump affected collections to DIR first; restore them if a migration fails",
        )
        sub.add_argument(
            "--metrics-file",
            type=Path,
            default=Path(os.environ["MIGRATION_METRICS_FILE"])
            if os.environ.get("MIGRATION_METRICS_FILE")
            else None,
            metavar="PATH",
            help="write the run's metrics there (Prometheus text, for node_exporter's "
            "textfile collector); default MIGRATION_METRICS_FILE",
        )
        sub.add_argument(
            "--lock-timeout",
            type=float,
            default=30.0,
            metavar="SECONDS",
            help="how long to wait for another runner (default 30)",
        )
    return migrate


def _print_plan(plan: list[PlanStep], echo: Callable[[str], None], dry_run: bool) -> None:
    if not plan:
        echo("nothing to do")
        return
    prefix = "would run: " if dry_run else "ran: "
    for step in plan:
        echo(prefix + step.describe())


async def run_migrate(
    args: argparse.Namespace,
    db_factory: Callable[[], Any],
    source: str | Path,
    echo: Callable[[str], None] = print,
) -> int:
    """Run one `migrate` action; `db_factory` is only called when a database is needed."""
    try:
        migrations = discover(source)
        if args.action == "discover":
            for m in migrations:
                echo(f"{m.id}  {m.description}  {m.path.name}  sha256:{m.checksum[:12]}")
            if not migrations:
                echo("no migrations found")
            return 0
        metrics_file: Path | None = getattr(args, "metrics_file", None)
        metrics = MigrationMetrics() if metrics_file is not None else None
        migrator = Migrator(
            db_factory(),
            migrations,
            lock_wait=getattr(args, "lock_timeout", 30.0),
            echo=echo,
            metrics=metrics,
        )
        if args.action == "status":
            for row in await migrator.status():
                when = row.applied_at.isoformat(timespec="seconds") if row.applied_at else "-"
                echo(f"{row.state:<12} {row.id}  {row.description}  applied_at={when}")
            return 0
        if args.action == "plan":
            _print_plan(await migrator.plan_up(), echo, dry_run=True)
            return 0
        try:
            if args.action == "up":
                plan = await migrator.up(args.to, dry_run=args.dry_run, backup_dir=args.backup)
            else:
                plan = await migrator.down(args.steps, dry_run=args.dry_run, backup_dir=args.backup)
        finally:
            if metrics is not None and metrics_file is not None and not args.dry_run:
                metrics.write(metrics_file)
        _print_plan(plan, echo, dry_run=args.dry_run)
        return 0
    except (MigrationDefinitionError, MigrationStateError) as exc:
        echo(f"error: {exc}")
        return 2
    except LockBusyError as exc:
        echo(f"error: {exc}")
        return 3
    except MigrationFailedError as exc:
        echo(f"error: {exc}")
        return 1
    except PyMongoError as exc:
        echo(f"error: database: {exc}")
        return 2
    except OSError as exc:
        echo(f"error: {exc}")
        return 2
