"""``gateway config check FILE`` and ``gateway config schema``.

``check`` validates a router.yaml the way ``gateway serve --config`` would
(interpolating the current environment): exit 0 with a short summary, or exit 2 with
one ``key.path: message`` line per problem on stderr. ``schema`` prints the file's
JSON Schema, for editors (YAML language server ``# yaml-language-server: $schema=``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from router.config.errors import ConfigError
from router.config.settings import Settings


def add_config_commands(commands: Any) -> None:
    config = commands.add_parser("config", help="check a router.yaml, print its JSON Schema")
    actions = config.add_subparsers(dest="config_command", required=True)
    check = actions.add_parser("check", help="validate a router.yaml (exit 2 when invalid)")
    check.add_argument("file", help="the router.yaml to check")
    actions.add_parser("schema", help="print the JSON Schema of router.yaml")


def run_config(args: argparse.Namespace) -> int:
    if args.config_command == "schema":
        print(json.dumps(json_schema(), indent=2))
        return 0
    from router.config.loader import load_config

    try:
        settings = load_config(args.file)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return 2
    print(f"{args.file}: valid")
    for line in summary(settings):
        print(f"  {line}")
    return 0


ENV_REFERENCE = {
    "type": "string",
    "pattern": r"^\$\{env\.[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$",
    "description": "${env.NAME} or ${env.NAME:-default}, converted when the file is loaded.",
}
_METADATA = ("title", "description", "default")


def json_schema() -> dict[str, Any]:
    """The model's schema, where a number or boolean key also accepts an
    ``${env...}`` reference (the loader converts it), so editors do not flag it."""
    from router.config.model import RouterFile

    schema = _allow_env_references(RouterFile.model_json_schema())
    schema["$defs"]["EnvReference"] = ENV_REFERENCE
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _allow_env_references(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_env_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _allow_env_references(value) for key, value in node.items()}
    if node.get("type") in {"integer", "number", "boolean"}:
        meta = {key: node.pop(key) for key in _METADATA if key in node}
        return {**meta, "anyOf": [node, {"$ref": "#/$defs/EnvReference"}]}
    return node


def summary(settings: Settings) -> list[str]:
    """A few lines saying what the file configures (not the whole file)."""
    if settings.supergraph:
        source = f"supergraph {settings.supergraph} (reload {'on' if settings.reload else 'off'})"
    else:
        source = "no supergraph path: serves from the service registry"
    _, named = settings.subgraph_settings()
    plugins = ", ".join(p.factory for p in settings.plugins) or "none"
    return [
        source,
        f"listen {settings.host}:{settings.port}, {settings.workers} worker(s), "
        f"log level {settings.log_level}",
        f"limits: depth {settings.max_depth}, aliases {settings.max_aliases}, "
        f"fields {settings.max_fields}, body {settings.max_body_bytes} bytes",
        f"subgraphs: timeout {settings.subgraph_timeout:g} s, "
        f"{len(named)} with own settings{': ' + ', '.join(named) if named else ''}",
        f"cors: {', '.join(settings.cors.allow_origins) or 'off'}; "
        f"csrf: {'on' if settings.csrf else 'off'}",
        f"plugins: {plugins}",
    ]
