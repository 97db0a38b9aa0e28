"""The record-keeping plugins ``usage:``, ``audit:`` and ``rate_limit:`` ask for.

Nothing when both sections are off and nothing counts API-key usage: no hook, no
task, no database connection.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from router.config.settings import Settings
from router.pipeline.plugin import Plugin

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from router.records.maintenance import MaintenanceLoop
    from router.usage.consolidator import Consolidator


def records_plugins(settings: Settings) -> list[Plugin]:
    """Imports nothing heavy (no SQLAlchemy) when every feature here is off."""
    plugins: list[Plugin] = []
    if settings.usage.enabled:
        from router.usage.plugin import Usage

        plugins.append(Usage(settings.usage, settings.shutdown_grace_s))
    if settings.audit.enabled:
        from router.audit.plugin import Audit

        plugins.append(Audit(settings.audit, settings.shutdown_grace_s))
    keys = settings.auth.api_keys  # requests are counted per API key: none, nothing to do
    counting = settings.rate_limit.enabled and settings.rate_limit.count_usage
    consolidate = keys is not None and (counting or settings.usage.enabled)
    if consolidate:
        from router.usage.consolidator import worker_enabled

        consolidate = worker_enabled()
    maintain = (
        settings.usage.enabled or settings.audit.enabled
    ) and settings.usage.maintenance_interval_s > 0
    if consolidate or maintain:
        plugins.append(RecordWorkers(settings, consolidate, maintain))
    return plugins


def counters_redis_url(settings: Settings) -> str | None:
    return settings.rate_limit.redis_url or os.environ.get("REDIS_URL") or None


class RecordWorkers(Plugin):
    """In-process background jobs: the API-key usage consolidator (dev) and the
    partition/retention maintenance schedule."""

    name = "record-workers"

    def __init__(self, settings: Settings, consolidate: bool, maintain: bool) -> None:
        self.settings = settings
        self.consolidate = consolidate
        self.maintain = maintain
        self.engine: AsyncEngine | None = None
        self.consolidator: Consolidator | None = None
        self.maintenance: MaintenanceLoop | None = None

    def setup(self, app: FastAPI) -> None:
        from router.plugins.rate_limit import RateLimit
        from router.records.database import records_url
        from router.records.maintenance import MaintenanceLoop
        from router.registry.database import make_engine
        from router.usage.consolidator import Consolidator

        usage, audit = self.settings.usage, self.settings.audit
        keys = self.settings.auth.api_keys
        own = usage.database_url or (keys.database_url if keys is not None else None)
        self.engine = make_engine(records_url(own))
        if self.consolidate:
            redis_url = counters_redis_url(self.settings)
            limiter = next((p for p in app.state.plugins.all if isinstance(p, RateLimit)), None)

            def memory() -> Any:
                return None if redis_url or limiter is None else limiter.usage

            self.consolidator = Consolidator(
                self.engine, usage.api_key_flush_interval_ms / 1000, redis_url, memory
            )
        if self.maintain:
            self.maintenance = MaintenanceLoop(
                self.engine,
                usage.maintenance_interval_s,
                audit.retention_days,
                usage.retention_days,
            )
        app.state.record_workers = self

    async def start(self) -> None:
        if self.consolidator is not None:
            await self.consolidator.start()
        if self.maintenance is not None:
            await self.maintenance.start()

    async def stop(self) -> None:
        try:
            if self.maintenance is not None:
                await self.maintenance.stop()
            if self.consolidator is not None:
                await self.consolidator.stop()
        finally:
            if self.engine is not None:
                await self.engine.dispose()

    def health(self, body: dict[str, Any]) -> None:
        section: dict[str, Any] = {}
        if self.consolidator is not None:
            section["api_key_usage"] = {
                "runs": self.consolidator.runs,
                "requests_written": self.consolidator.written,
            }
        if self.maintenance is not None and self.maintenance.last is not None:
            section["maintenance"] = self.maintenance.last.json()
        body["record_workers"] = section
