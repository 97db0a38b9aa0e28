"""``planner compose``: the CI entry point, like ``rover supergraph compose``.

Reads a YAML config listing subgraphs::

    subgraphs:
      products:
        routing_url: http://products:4001/graphql
        schema:
          file: ./products.graphql            # relative to the config file
      reviews:
        routing_url: http://reviews:4002/graphql
        schema:
          subgraph_url: http://reviews:4002/graphql   # fetched via { _service { sdl } }

Exit codes: 0 composed (supergraph on stdout or ``-o FILE``), 1 composition errors
(one per line: code, subgraphs, elements, message), 2 bad config (unreadable file,
invalid YAML, missing keys, unreachable ``subgraph_url``). ``--check`` validates only.

PyYAML is imported here only (lazily): the composition library itself needs nothing
beyond graphql-core.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .compose import compose
from .model import CompositionError, CompositionHint, Subgraph

EXIT_OK = 0
EXIT_COMPOSITION = 1
EXIT_CONFIG = 2
SERVICE_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"


class ConfigError(Exception):
    """The config cannot be turned into a list of subgraphs."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="supergraph YAML config file")
    parser.add_argument("-o", "--output", default=None, help="write the supergraph here")
    parser.add_argument(
        "--check", action="store_true", help="validate only; do not print the supergraph"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for a subgraph_url introspection (default 10)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print hints")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_issue(issue: CompositionError | CompositionHint) -> str:
    subgraphs = ",".join(issue.subgraphs) or "-"
    elements = ",".join(issue.elements) or "-"
    return f"{issue.code} subgraph={subgraphs} element={elements}: {_one_line(issue.message)}"


def fetch_sdl(url: str, timeout: float) -> str:
    """The SDL a running subgraph reports through ``{ _service { sdl } }``."""
    body = json.dumps({"query": SERVICE_QUERY}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        raise ConfigError(f"subgraph_url {url} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigError(f"subgraph_url {url} is unreachable: {reason}") from exc
    try:
        data = json.loads(payload)
        sdl = data["data"]["_service"]["sdl"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"subgraph_url {url} did not answer {{ _service {{ sdl }} }} with an SDL"
        ) from exc
    if not isinstance(sdl, str):
        raise ConfigError(f"subgraph_url {url} returned a non-string _service.sdl")
    return sdl


def load_config(path: Path, timeout: float) -> list[Subgraph]:
    """Read the YAML config and each subgraph's SDL (file or subgraph_url)."""
    import yaml  # type: ignore[import-untyped]  # lazily: only the CLI needs it

    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML: {_one_line(str(exc))}") from exc
    if not isinstance(config, dict) or not isinstance(config.get("subgraphs"), dict):
        raise ConfigError(f"config {path} must have a 'subgraphs' mapping")
    subgraphs: list[Subgraph] = []
    for name, entry in config["subgraphs"].items():
        subgraphs.append(_load_subgraph(path.parent, str(name), entry, timeout))
    if not subgraphs:
        raise ConfigError(f"config {path} lists no subgraphs")
    return subgraphs


def _load_subgraph(base: Path, name: str, entry: Any, timeout: float) -> Subgraph:
    if not isinstance(entry, dict):
        raise ConfigError(f"subgraph {name!r}: expected a mapping with routing_url and schema")
    schema = entry.get("schema")
    if not isinstance(schema, dict):
        raise ConfigError(f"subgraph {name!r}: 'schema' must be a mapping (file or subgraph_url)")
    routing_url = entry.get("routing_url")
    if "file" in schema:
        file = base / str(schema["file"])
        try:
            sdl = file.read_text()
        except OSError as exc:
            raise ConfigError(
                f"subgraph {name!r}: cannot read schema file {file}: {exc.strerror or exc}"
            ) from exc
    elif "subgraph_url" in schema:
        sdl = fetch_sdl(str(schema["subgraph_url"]), timeout)
        routing_url = routing_url or schema["subgraph_url"]
    elif "sdl" in schema:
        sdl = str(schema["sdl"])
    else:
        raise ConfigError(f"subgraph {name!r}: 'schema' needs 'file' or 'subgraph_url'")
    if not isinstance(routing_url, str) or not routing_url:
        raise ConfigError(f"subgraph {name!r}: 'routing_url' is required")
    return Subgraph(name, routing_url, sdl)


def run(args: argparse.Namespace) -> int:
    try:
        subgraphs = load_config(Path(args.config), args.timeout)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    result = compose(subgraphs)
    if not getattr(args, "quiet", False):
        for hint in result.hints:
            print(f"hint: {format_issue(hint)}", file=sys.stderr)
    if result.errors or result.supergraph_sdl is None:
        for error in result.errors:
            print(format_issue(error), file=sys.stderr)
        print(f"composition failed with {len(result.errors)} error(s)", file=sys.stderr)
        return EXIT_COMPOSITION
    if args.check:
        print(f"composition succeeded ({len(subgraphs)} subgraphs)", file=sys.stderr)
        return EXIT_OK
    if args.output:
        try:
            Path(args.output).write_text(result.supergraph_sdl + "\n")
        except OSError as exc:
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_CONFIG
    else:
        sys.stdout.write(result.supergraph_sdl + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="planner compose", description="compose subgraph SDLs into a supergraph"
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
