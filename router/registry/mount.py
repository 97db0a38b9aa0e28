"""Wire the registry into a router app built by ``router.app.create_app``.

``create_app`` knows nothing about the registry: the registry is a plugin. Its
``setup`` adds the admin API and UI, ``start`` runs after the app's own start-up (the
subgraph client exists), ``stop`` runs after in-flight requests finished and before
the client closes, and ``health`` adds the registry's section to ``/health/detailed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from router.admin.api import mount_admin_api
from router.admin.ui import mount_admin_ui
from router.app import add_plugin
from router.pipeline.plugin import Plugin
from router.records.database import records_url
from router.registry.checks import SeenOperation, SeenOperationsSource
from router.registry.config import RegistryConfig
from router.registry.runtime import Registry
from router.telemetry.database import DatabaseMetrics, instrument_engine
from router.usage.operations import operations_seen


def recorded_usage(database_url: str) -> SeenOperationsSource:
    """The operations usage recording (``router.usage``, when enabled) stored: what
    the schema checks of service changes hold a change against. Without usage
    recording there is no source, and checks stay schema-level (reported, not
    refused)."""

    async def seen(since: datetime) -> list[SeenOperation]:
        try:
            rows = await operations_seen(database_url, since)
        except SQLAlchemyError:
            return []  # a registry migrated before usage recording existed
        return [SeenOperation(r.name, r.document, r.requests) for r in rows if r.document]

    return seen


class RegistryPlugin(Plugin):
    """Serves the supergraph from the registry and exposes the admin API and UI."""

    name = "registry"

    def __init__(
        self, config: RegistryConfig, seen_operations: SeenOperationsSource | None = None
    ) -> None:
        self.config = config
        self.seen_operations = seen_operations
        self.registry: Registry | None = None

    def setup(self, app: FastAPI) -> None:
        state = app.state
        seen = self.seen_operations
        if seen is None and state.settings.usage.enabled:
            seen = recorded_usage(records_url(state.settings.usage.database_url))
        self.registry = Registry(self.config, state.settings, state.client, state.holder, seen)
        app.state.registry = self.registry
        mount_admin_api(app, self.registry, self.config.admin_token)
        mount_admin_ui(app)
        self._instrument(app)

    def _instrument(self, app: FastAPI) -> None:
        """Pool gauges and statement metrics of the registry's database on /metrics
        (``router.telemetry.database``), statement spans when tracing is on."""
        assert self.registry is not None
        metrics = getattr(app.state, "metrics", None)
        if metrics is None:
            return
        tracing = app.state.telemetry.tracing
        instrument_engine(
            self.registry.store.engine.sync_engine,
            DatabaseMetrics(metrics.registry),
            metrics.registry,
            "registry",
            tracing.tracer if tracing is not None else None,
        )

    async def start(self) -> None:
        assert self.registry is not None
        try:
            await self.registry.start()
        except BaseException:
            await self.registry.stop()
            raise

    async def stop(self) -> None:
        if self.registry is not None:
            await self.registry.stop()

    def health(self, body: dict[str, Any]) -> None:
        if self.registry is not None:
            self.registry.health_report(body)


def mount_registry(
    app: FastAPI, config: RegistryConfig, seen_operations: SeenOperationsSource | None = None
) -> Registry:
    """Serve the supergraph from the registry; returns the ``Registry`` (also app.state).

    ``seen_operations``: what clients sent recently, for the schema checks of service
    changes (None: schema-level checks only)."""
    plugin = RegistryPlugin(config, seen_operations)
    add_plugin(app, plugin)
    assert plugin.registry is not None
    return plugin.registry
