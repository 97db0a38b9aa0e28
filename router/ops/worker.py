"""The app factory each worker process calls (``gateway serve --workers N``).

uvicorn starts workers as fresh interpreters (multiprocessing "spawn") that import
an app factory by name, so the parent hands them its resolved configuration
through one environment variable: the pickled ``Settings`` (and ``RegistryConfig``
in registry mode). The value is written by the parent process for its own children
only, never read from anywhere else.
"""

from __future__ import annotations

import base64
import os
import pickle
from typing import Any

from fastapi import FastAPI

from router.config.settings import Settings

BOOTSTRAP_ENV = "GATEWAY_WORKER_BOOTSTRAP"


def export_bootstrap(settings: Settings, registry: Any | None) -> None:
    """Put the configuration where the spawned workers find it."""
    payload = pickle.dumps((settings, registry), protocol=pickle.HIGHEST_PROTOCOL)
    os.environ[BOOTSTRAP_ENV] = base64.b64encode(payload).decode("ascii")


def create_worker_app() -> FastAPI:
    """Build one worker's app from the parent's configuration."""
    from router.app import create_app
    from router.ops.connections import guarded_protocol
    from router.ops.server import configure_logging

    raw = os.environ.get(BOOTSTRAP_ENV)
    if not raw:
        raise RuntimeError(f"{BOOTSTRAP_ENV} is not set: workers are started by `gateway serve`")
    settings, registry = pickle.loads(base64.b64decode(raw))  # written by our parent process
    configure_logging(settings)
    guarded_protocol(settings.header_read_timeout_s, settings.max_connections)
    app = create_app(settings)
    if registry is not None:
        from router.registry.mount import mount_registry

        mount_registry(app, registry)
    return app
