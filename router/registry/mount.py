"""Wire the registry into a router app built by ``router.app.create_app``.

``create_app`` knows nothing about the registry: this wraps the app's lifespan so
the registry starts after the app's own startup (its subgraph client exists) and
stops before the client closes, and adds the admin API, the admin UI and the
registry's section of ``/health/detailed``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from router.admin.api import mount_admin_api
from router.admin.ui import mount_admin_ui
from router.registry.config import RegistryConfig
from router.registry.runtime import Registry


def mount_registry(app: FastAPI, config: RegistryConfig) -> Registry:
    """Serve the supergraph from the registry; returns the ``Registry`` (also app.state)."""
    registry = Registry(config, app.state.settings, app.state.client, app.state.holder)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner(app_):
            try:
                await registry.start()
            except BaseException:
                await registry.stop()
                raise
            try:
                yield
            finally:
                await registry.stop()

    app.router.lifespan_context = lifespan
    app.state.registry = registry
    extras = getattr(app.state, "health_extras", None)
    if isinstance(extras, list):
        extras.append(registry.health_report)
    mount_admin_api(app, registry, config.admin_token)
    mount_admin_ui(app)
    return registry
