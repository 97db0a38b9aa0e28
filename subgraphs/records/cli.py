"""`records` command line: `records serve` and `records migrate ...`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import uvicorn
from pymongo import AsyncMongoClient

from router.telemetry.logs import configure_logging
from subgraphs.embedded_mongo import EmbeddedMongo, EmbeddedMongoError
from subgraphs.migrator.cli import add_migrate_parser, run_migrate
from subgraphs.records.migrations import PACKAGE
from subgraphs.records.settings import Settings

MIGRATIONS = PACKAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="records",
        description="Records subgraph. Settings come from the environment (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the subgraph on HOST:PORT (default 127.0.0.1:8080)")
    add_migrate_parser(commands)
    return parser


async def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    embedded: EmbeddedMongo | None = None
    clients: list[AsyncMongoClient[dict[str, Any]]] = []

    def database() -> Any:
        nonlocal embedded
        uri = settings.mongodb_uri
        if uri is None:
            embedded = EmbeddedMongo(settings.mongodb_data_dir)
            uri = embedded.connect_or_start()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            uri, serverSelectionTimeoutMS=5000, tz_aware=True
        )
        clients.append(client)
        return client[settings.mongodb_db]

    try:
        return await run_migrate(args, database, MIGRATIONS)
    finally:
        for client in clients:
            await client.close()
        if embedded is not None:
            embedded.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    configure_logging(os.environ.get("LOG_LEVEL", "info"))
    try:
        if args.command == "migrate":
            return asyncio.run(_migrate(args, settings))
        from subgraphs.records.app import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
        return 0
    except EmbeddedMongoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
