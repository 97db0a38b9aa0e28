"""Wire the registry into a router app built by ``router.app.create_app``.

``create_app`` knows nothing about the registry: the registry is a plugin. Its
``setup`` adds the admin API and UI, ``start`` runs after the app's own start-up (the
subgraph client exists), ``stop`` runs after in-flight requests finished and before
the client closes, and ``health`` adds the registry's section to ``/health/detailed``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from router.admin.api import mount_admin_api
from router.admin.ui import mount_admin_ui
from router.app import add_plugin
from router.pipeline.plugin import Plugin
from router.registry.checks import SeenOperationsSource
from router.registry.config import RegistryConfig
from router.registry.runtime import Registry


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
        self.registry = Registry(
            self.config, state.settings, state.client, state.holder, self.seen_operations
        )
        app.state.registry = self.registry
        mount_admin_api(app, self.registry, self.config.admin_token)
        mount_admin_ui(app)

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
