"""``gateway`` command line: ``gateway serve [--config router.yaml] [--supergraph FILE]
[--host H] [--port P]``, ``gateway config check FILE|schema`` (router/config/commands.py),
``gateway db upgrade|downgrade|current`` (registry migrations, see router/registry/cli.py),
``gateway services import FILE|list`` (declare the registry's subgraphs, router/registry/bootstrap.py),
``gateway keys create|list|revoke`` (API keys, see router/auth/api_keys/cli.py),
``gateway maintenance run`` and ``gateway worker usage`` (router/records/cli.py).

Precedence, weakest first: defaults < router.yaml < ``GATEWAY_*`` variables < options
(see router/config/loader.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from router.config.errors import ConfigError
from router.config.settings import Settings, SettingsError
from router.ops.server import configure_logging, run, run_workers


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="Federation v2 GraphQL router")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the GraphQL endpoint over a supergraph")
    serve.add_argument(
        "--config", help="router.yaml to read (GATEWAY_* variables and options win over it)"
    )
    serve.add_argument("--supergraph", help="supergraph SDL file (env GATEWAY_SUPERGRAPH)")
    serve.add_argument(
        "--host", help="listen address (env GATEWAY_HOST, default 127.0.0.1; 0.0.0.0 in containers)"
    )
    serve.add_argument("--port", type=int, help="listen port (env GATEWAY_PORT, default 4000)")
    serve.add_argument("--subgraph-timeout", type=float, help="seconds per subgraph request")
    serve.add_argument("--no-reload", action="store_true", help="do not watch the supergraph file")
    serve.add_argument(
        "--workers",
        type=_workers,
        help="server processes sharing the port: a number or 'auto' (one per core); default 1",
    )
    serve.add_argument("--log-level", help="uvicorn/router log level (default info)")
    from router.config.commands import add_config_commands
    from router.registry.cli import add_db_commands

    add_config_commands(commands)  # gateway config check|schema
    add_db_commands(commands)  # gateway db upgrade|downgrade|current
    from router.registry.cli import add_services_commands

    add_services_commands(commands)  # gateway services import|list
    from router.auth.api_keys.cli import add_keys_commands

    add_keys_commands(commands)  # gateway keys create|list|revoke
    from router.records.cli import add_records_commands

    add_records_commands(commands)  # gateway maintenance run, gateway worker usage
    return parser


def _workers(raw: str) -> int:
    """``--workers``: a positive number, or ``auto`` for one process per core."""
    if raw.strip().lower() == "auto":
        return os.cpu_count() or 1
    try:
        value = int(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {raw!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "db":
        from router.registry.cli import run_db

        return run_db(args)
    if args.command == "services":
        from router.registry.cli import run_services

        return run_services(args)
    if args.command == "config":
        from router.config.commands import run_config

        return run_config(args)
    if args.command in ("maintenance", "worker"):
        from router.records.cli import run_records

        return run_records(args)
    if args.command == "keys":
        from router.auth.api_keys.cli import run_keys

        return run_keys(args)
    try:
        settings = _base_settings(args.config).with_overrides(
            supergraph=args.supergraph,
            host=args.host,
            port=args.port,
            subgraph_timeout=args.subgraph_timeout,
            log_level=args.log_level,
            reload=False if args.no_reload else None,
            workers=args.workers,
        )
        settings.subgraph_settings()  # report a malformed value now, not at start-up
        _check_telemetry(settings)
    except ConfigError as exc:
        print(f"gateway: invalid configuration in {exc.source}:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    if not settings.supergraph:  # no file: serve from the service registry (DATABASE_URL)
        from router.registry.cli import serve_registry

        return serve_registry(settings)
    return serve(settings)


def _check_telemetry(settings: Settings) -> None:
    """The telemetry variables router.yaml's model cannot see (``GATEWAY_*``)."""
    if settings.log_format not in ("auto", "json", "console"):
        raise SettingsError(
            f"GATEWAY_LOG_FORMAT={settings.log_format!r} is not auto, json or console"
        )
    if settings.traces_exporter not in ("otlp", "console", "none"):
        raise SettingsError(
            f"GATEWAY_TRACES_EXPORTER={settings.traces_exporter!r} is not otlp, console or none"
        )
    if not 0 <= settings.trace_sampling_ratio <= 1:
        raise SettingsError(
            f"GATEWAY_TRACE_SAMPLING_RATIO={settings.trace_sampling_ratio!r} is not within 0..1"
        )


def _base_settings(config_path: str | None) -> Settings:
    """Defaults < router.yaml < variables; pydantic is only imported for a file."""
    if config_path is None:
        return Settings.from_env()
    from router.config.loader import load_settings

    return load_settings(config_path)


def serve(settings: Settings) -> int:
    from planner import SupergraphError
    from router.app import create_app
    from router.ops.reload import load_initial
    from router.state import StateHolder

    configure_logging(settings)
    holder = StateHolder()
    app = create_app(settings, holder)
    try:  # fail fast on a bad file before binding the port
        load_initial(str(settings.supergraph), settings, app.state.client, holder)
    except OSError as exc:
        print(f"gateway: cannot read supergraph: {exc}", file=sys.stderr)
        return 1
    except SupergraphError as exc:
        print(f"gateway: invalid supergraph: {exc}", file=sys.stderr)
        return 1
    if settings.workers > 1:
        run_workers(settings)  # each worker loads the (now checked) file itself
    else:
        run(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
