"""The registry's part of the ``gateway`` CLI: ``gateway db upgrade|downgrade|current``,
``gateway services import FILE|list`` and ``gateway serve`` without ``--supergraph``
(serve from the registry; ``GATEWAY_SERVICES`` is applied first, see bootstrap.py)."""

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


def add_services_commands(commands: Any) -> None:
    services = commands.add_parser(
        "services", help="declare the registry's subgraphs (DATABASE_URL), see bootstrap"
    )
    actions = services.add_subparsers(dest="services_command", required=True)
    imports = actions.add_parser(
        "import", help="add or update the services a YAML file declares (idempotent)"
    )
    imports.add_argument("file", help="services.yaml: services: [{name, url, ...}]")
    actions.add_parser("list", help="print the registered services")


def run_services(args: argparse.Namespace) -> int:
    from router.registry.bootstrap import BootstrapError, parse_file
    from router.registry.database import NotMigratedError, database_url

    url = database_url()
    try:
        if args.services_command == "list":
            for row in asyncio.run(_list(url)):
                state = "enabled" if row.enabled else "disabled"
                print(f"{row.name}\t{row.url}\t{state}\ttimeout {row.timeout_s:g}s")
            return 0
        entries = parse_file(args.file)
        for outcome in asyncio.run(_import(url, entries, _cli_actor())):
            detail = f" ({', '.join(outcome.changed)})" if outcome.changed else ""
            print(f"{outcome.action:<9} {outcome.name}{detail}")
    except (BootstrapError, NotMigratedError) as exc:
        print(f"gateway services {args.services_command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _cli_actor() -> str:
    from router.auth.api_keys.cli import _actor

    return _actor()


async def _list(url: str) -> list[Any]:
    from router.registry.database import check_migrated, make_engine
    from router.registry.store import RegistryStore

    store = RegistryStore(make_engine(url))
    try:
        await check_migrated(store.engine)
        return await store.services()
    finally:
        await store.close()


async def _import(url: str, entries: list[dict[str, Any]], actor: str) -> list[Any]:
    from router.registry.bootstrap import apply
    from router.registry.database import check_migrated, make_engine
    from router.registry.store import RegistryStore

    store = RegistryStore(make_engine(url))
    try:
        await check_migrated(store.engine)
        return await apply(store, entries, actor)
    finally:
        await store.close()


def _bootstrap_from_env(url: str) -> None:
    """Apply ``GATEWAY_SERVICES`` (when set) before serving; raises ``BootstrapError``."""
    import logging
    import os

    from router.registry.bootstrap import VARIABLE, parse_variable

    raw = os.environ.get(VARIABLE, "")
    if not raw.strip():
        return
    entries = parse_variable(raw)
    for outcome in asyncio.run(_import(url, entries, f"bootstrap:{VARIABLE}")):
        logging.getLogger("router.registry").info(
            "%s: %s %s", VARIABLE, outcome.action, outcome.name
        )


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
    configure_logging(settings)
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-check chatter
    from router.registry.bootstrap import BootstrapError

    try:  # refuse an un-migrated database before binding the port
        asyncio.run(_check(config.database_url))
        _bootstrap_from_env(config.database_url)
    except NotMigratedError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    except BootstrapError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    if settings.workers > 1:
        run_workers(settings, config)
        return 0
    app = create_app(settings)
    mount_registry(app, config)
    run(app, settings)
    return 0
