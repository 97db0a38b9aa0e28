"""The registry's part of the ``gateway`` CLI: ``gateway db upgrade|downgrade|current``
and ``gateway serve`` without ``--supergraph`` (serve from the registry)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from router.config.settings import Settings, SettingsError
from router.ops.server import configure_logging, run, run_workers


def add_db_commands(commands: Any) -> None:
    db = commands.add_parser("db", help="migrate the registry database (DATABASE_URL)")
    actions = db.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="apply migrations (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    up.add_argument(
        "--config", help="router.yaml whose audit.partitioning (monthly | none) applies"
    )
    down = actions.add_parser("downgrade", help="revert migrations (default: one step, -1)")
    down.add_argument("revision", nargs="?", default="-1")
    actions.add_parser("current", help="print the database's revision")


def run_db(args: argparse.Namespace) -> int:
    from router.registry import migrations
    from router.registry.database import database_url

    url = database_url()
    try:
        if args.db_command == "upgrade":
            partitioning = None
            if getattr(args, "config", None):
                from router.config.loader import load_settings

                partitioning = load_settings(args.config).audit.partitioning
            migrations.upgrade(url, args.revision, partitioning)
        elif args.db_command == "downgrade":
            migrations.downgrade(url, args.revision)
        current = migrations.current(url)
    except Exception as exc:  # bad URL, unreachable server, unknown revision
        print(f"gateway db {args.db_command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"registry database at revision: {current or '(none)'}")
    return 0


async def _check(url: str) -> None:
    from router.registry.database import check_migrated, make_engine

    engine = make_engine(url)
    try:
        await check_migrated(engine)
    finally:
        await engine.dispose()


def serve_registry(settings: Settings) -> int:
    """``gateway serve`` without a supergraph file: compose from the registry."""
    from router.app import create_app
    from router.config.registry import registry_config
    from router.registry.database import NotMigratedError
    from router.registry.mount import mount_registry

    try:
        config = registry_config(settings)  # router.yaml's registry: under its variables
    except SettingsError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    try:  # refuse an un-migrated database before binding the port
        asyncio.run(_check(config.database_url))
    except NotMigratedError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    configure_logging(settings)
    if settings.workers > 1:
        run_workers(settings, config)
        return 0
    app = create_app(settings)
    mount_registry(app, config)
    run(app, settings)
    return 0
