"""``gateway maintenance run`` and ``gateway worker usage``.

``maintenance run``: one run of partitions + retention (cron it, or let the router's
schedule do it). ``worker usage``: the API-key usage consolidator as its own process
(production), until SIGTERM/SIGINT; ``--once`` drains once and exits.
Both read ``--config router.yaml`` (retention days, intervals) and ``DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

import orjson

from router.config.settings import Settings


def add_records_commands(commands: Any) -> None:
    maintenance = commands.add_parser(
        "maintenance", help="audit partitions and retention (usage, audit)"
    )
    actions = maintenance.add_subparsers(dest="maintenance_command", required=True)
    run = actions.add_parser("run", help="pre-create partitions, apply retention, once")
    run.add_argument("--config", help="router.yaml (audit/usage retention_days)")
    worker = commands.add_parser("worker", help="background workers as their own process")
    kinds = worker.add_subparsers(dest="worker_command", required=True)
    usage = kinds.add_parser("usage", help="the API-key usage consolidator (Redis -> database)")
    usage.add_argument("--config", help="router.yaml (usage.*, rate_limit.redis_url)")
    usage.add_argument("--once", action="store_true", help="drain once and exit")


def _settings(path: str | None) -> Settings:
    if path is None:
        return Settings.from_env()
    from router.config.loader import load_settings

    return load_settings(path)


def run_records(args: argparse.Namespace) -> int:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = _settings(args.config)
        if args.command == "maintenance":
            report = asyncio.run(_maintenance(settings))
            print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
            return 0
        asyncio.run(_usage_worker(settings, args.once))
        return 0
    except Exception as exc:
        print(f"gateway {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


async def _maintenance(settings: Settings) -> dict[str, object]:
    from router.records.database import records_url
    from router.records.maintenance import run_maintenance
    from router.registry.database import check_migrated, make_engine

    engine = make_engine(records_url(settings.usage.database_url))
    try:
        await check_migrated(engine)
        report = await run_maintenance(
            engine, settings.audit.retention_days, settings.usage.retention_days
        )
        return report.json()
    finally:
        await engine.dispose()


async def _usage_worker(settings: Settings, once: bool) -> None:
    from router.records.database import records_url
    from router.records.setup import counters_redis_url
    from router.registry.database import check_migrated, make_engine
    from router.usage.consolidator import Consolidator

    log = logging.getLogger("router.usage.consolidator")
    redis_url = counters_redis_url(settings)
    if redis_url is None:
        raise RuntimeError("no Redis (REDIS_URL or rate_limit.redis_url): nothing to drain")
    engine = make_engine(records_url(settings.usage.database_url))
    consolidator = Consolidator(engine, settings.usage.api_key_flush_interval_ms / 1000, redis_url)
    try:
        await check_migrated(engine)
        if once:
            added = await consolidator.run_once()
            log.info("drained %d request(s) into api_key_usage", added)
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await consolidator.start()
        log.info("API-key usage consolidator running every %.1f s", consolidator.interval_s)
        await stop.wait()
    finally:
        await consolidator.stop()
        await engine.dispose()
