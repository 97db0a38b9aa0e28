"""Running the app with uvicorn, in one process or in ``workers`` processes.

Every mode uses uvloop and httptools and no access log (the hot path pays for every
log line). Shutdown is graceful: on SIGTERM or SIGINT uvicorn stops accepting
connections and gives in-flight requests ``shutdown_grace_s`` to finish; only then
does the app's lifespan end, which stops the plugins (they flush their buffers
there) and closes the subgraph client.

With ``workers`` > 1, uvicorn's supervisor binds the port once and starts that many
processes sharing it; a worker that dies is restarted (and logged). Each worker
builds its own app from ``router.ops.worker`` (state is per process: its own
supergraph watcher, registry poller and caches).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from router.config.settings import Settings
from router.ops.connections import guarded_protocol, quiet_client_noise
from router.telemetry.logs import configure_logging as setup_logging

WORKER_HEALTHCHECK_S = 30


def configure_logging(settings: Settings) -> None:
    """The one structured set-up (``router.telemetry.logs``) at the settings' level and
    format (each worker calls it too, with the settings its parent resolved)."""
    setup_logging(settings.log_level, settings.log_format)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for ``settings``: the httptools protocol with the connection
    guards of ``router.ops.connections``, and the keep-alive timeout."""
    quiet_client_noise()
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": guarded_protocol(settings.header_read_timeout_s, settings.max_connections),
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "log_config": None,  # uvicorn's records go through the root handler (structured)
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
    }


def _exit_cleanly_after_shutdown() -> None:
    """uvicorn re-raises the SIGTERM/SIGINT it caught once shutdown is complete, with
    the handlers it found at start-up restored. A no-op handler there lets ``run``
    return and the process exit 0: the shutdown *was* graceful, and orchestrators
    read a signal death as a crash."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)


def run(app: Any, settings: Settings) -> None:
    """Serve ``app`` in this process until SIGTERM/SIGINT."""
    import uvicorn

    _exit_cleanly_after_shutdown()
    uvicorn.run(app, **uvicorn_options(settings))


def run_workers(settings: Settings, registry: Any | None = None) -> None:
    """Serve with ``settings.workers`` processes; ``registry`` is the ``RegistryConfig``
    in registry mode. Each worker rebuilds the app from what is passed here."""
    import uvicorn

    from router.ops.worker import export_bootstrap

    export_bootstrap(settings, registry)
    uvicorn.run(
        "router.ops.worker:create_worker_app",
        factory=True,
        workers=settings.workers,
        # uvicorn kills a worker that does not answer its ping within this many seconds;
        # its 5 s default counts the spawned worker's imports too (database drivers for
        # usage/audit), which a loaded machine can exceed: such a worker is slow, not hung.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        **uvicorn_options(settings),
    )
