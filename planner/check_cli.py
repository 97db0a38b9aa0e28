"""``planner check``: is a subgraph change safe to ship? (like ``rover subgraph check``)

    planner check --supergraph current.graphql --subgraph products=products.graphql \\
        [--operations ops/] [--persisted-queries manifest.json] \\
        [--registry https://router.example.com --since 7d] [--format text|json|markdown]

The proposal is the current supergraph's subgraphs (recovered from its join
metadata) with each ``--subgraph NAME=FILE`` replaced or added, or the whole set
of a ``--config supergraph.yaml`` (as ``planner compose --config`` reads it),
again with ``--subgraph`` replacing entries.

Exit codes: 0 the check passed, 1 it failed (composition errors, broken operations,
or — without operations — breaking changes), 2 bad input (unreadable file, invalid
supergraph, manifest or registry answer, unreachable registry).

This module does the I/O (files, the registry's HTTP API); the check itself is
``planner.checks`` and does none.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from planner.checks import (
    Operation,
    check_subgraphs,
    extract_subgraphs,
    render_markdown,
    render_text,
    replace_subgraphs,
)
from planner.compose import Subgraph
from planner.compose.cli import ConfigError, load_config
from planner.errors import SupergraphError
from planner.supergraph import Supergraph

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_INPUT = 2

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
USAGE_PATH = "/admin/api/usage/operations"
_SINCE = re.compile(r"[1-9][0-9]{0,5}[smhdw]")
MAX_REGISTRY_BYTES = 64 * 1024 * 1024


class InputError(Exception):
    """Input the check cannot use (exit code 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, help="the current supergraph SDL file")
    parser.add_argument(
        "--subgraph",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a proposed subgraph SDL (repeatable); replaces or adds subgraph NAME",
    )
    parser.add_argument(
        "--config", default=None, help="supergraph YAML config: the whole proposed set"
    )
    parser.add_argument(
        "--operations", default=None, metavar="DIR", help="folder of .graphql operation files"
    )
    parser.add_argument(
        "--persisted-queries",
        default=None,
        metavar="FILE",
        help="Apollo persisted query manifest (JSON) of the operations to check",
    )
    parser.add_argument(
        "--registry",
        default=None,
        metavar="URL",
        help="router whose recorded usage gives the operations (GET /admin/api/usage/operations)",
    )
    parser.add_argument(
        "--since", default="7d", help="with --registry: how far back, e.g. 7d, 12h (default 7d)"
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="with --registry: admin bearer token (default: $GATEWAY_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="report format"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on any BREAKING change, even one no given operation uses",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds for each HTTP request (default 10)"
    )


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"cannot read {what} {path}: {reason}") from exc


def _replacements(specs: list[str], current: Supergraph) -> dict[str, Subgraph]:
    result: dict[str, Subgraph] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise InputError(f"--subgraph {spec!r}: expected NAME=FILE")
        known = current.subgraphs.get(name)
        url = known.url if known is not None else f"http://{name}.invalid/graphql"
        result[name] = Subgraph(name, url, _read(Path(file), f"subgraph {name!r} schema"))
    return result


def operations_from_dir(folder: Path) -> list[Operation]:
    if not folder.is_dir():
        raise InputError(f"--operations {folder}: not a folder")
    files = sorted(p for p in folder.rglob("*") if p.suffix in {".graphql", ".gql"} and p.is_file())
    return [Operation(_read(p, "operation file"), source=str(p.relative_to(folder))) for p in files]


def operations_from_manifest(text: str, where: str) -> list[Operation]:
    """The operations of an Apollo persisted query manifest (format version 1)."""
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON: {exc}") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != MANIFEST_FORMAT
        or manifest.get("version") != 1
        or not isinstance(manifest.get("operations"), list)
    ):
        raise InputError(
            f'{where}: not a persisted query manifest ({{"format": "{MANIFEST_FORMAT}", '
            '"version": 1, "operations": [...]}})'
        )
    result = []
    for index, entry in enumerate(manifest["operations"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
            raise InputError(f"{where}: operations[{index}] has no string 'body'")
        source = entry.get("id") if isinstance(entry.get("id"), str) else f"operations[{index}]"
        result.append(Operation(entry["body"], source=f"pq:{source}"))
    return result


def operations_from_registry(
    url: str, since: str, token: str | None, timeout: float
) -> list[Operation]:
    """The operations a router recorded (``GET /admin/api/usage/operations?since=``)."""
    if not _SINCE.fullmatch(since):
        raise InputError(f"--since {since!r}: expected a duration like 7d, 12h, 30m")
    if not url.startswith(("http://", "https://")):
        raise InputError(f"--registry {url!r}: expected an http:// or https:// URL")
    address = url.rstrip("/") + USAGE_PATH + "?" + urllib.parse.urlencode({"since": since})
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(address, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read(MAX_REGISTRY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"registry {address} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"registry {address} is unreachable: {reason}") from exc
    if len(payload) > MAX_REGISTRY_BYTES:
        raise InputError(f"registry {address}: answer larger than {MAX_REGISTRY_BYTES} bytes")
    try:
        body = json.loads(payload)
    except ValueError as exc:
        raise InputError(f"registry {address}: answer is not JSON") from exc
    entries = body.get("operations") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"registry {address}: answer has no 'operations' list")
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("document"), str):
            raise InputError(f"registry {address}: operations[{index}] has no string 'document'")
        requests = entry.get("requests")
        if isinstance(requests, bool) or not isinstance(requests, int):
            requests = None
        digest = entry.get("hash")
        result.append(
            Operation(
                entry["document"],
                requests=requests,
                source=f"usage:{digest[:12]}" if isinstance(digest, str) else None,
            )
        )
    return result


def _operations(args: argparse.Namespace) -> list[Operation] | None:
    if args.operations is None and args.persisted_queries is None and args.registry is None:
        return None
    found: list[Operation] = []
    if args.operations is not None:
        found += operations_from_dir(Path(args.operations))
    if args.persisted_queries is not None:
        path = Path(args.persisted_queries)
        found += operations_from_manifest(_read(path, "persisted query manifest"), str(path))
    if args.registry is not None:
        token = args.admin_token or os.environ.get("GATEWAY_ADMIN_TOKEN")
        found += operations_from_registry(args.registry, args.since, token, args.timeout)
    return found


def _proposal(args: argparse.Namespace, current: Supergraph) -> tuple[list[Subgraph], list[str]]:
    replacements = _replacements(args.subgraph, current)
    if args.config is not None:
        try:
            base = load_config(Path(args.config), args.timeout)
        except ConfigError as exc:
            raise InputError(str(exc)) from exc
        changed = sorted(replacements) or sorted(s.name for s in base)
    else:
        if not replacements:
            raise InputError("give --subgraph NAME=FILE (repeatable) or --config FILE")
        base = extract_subgraphs(current)
        changed = sorted(replacements)
    return replace_subgraphs(base, replacements), changed


def run(args: argparse.Namespace) -> int:
    try:
        try:
            current = Supergraph.parse(_read(Path(args.supergraph), "supergraph"))
        except SupergraphError as exc:
            raise InputError(f"--supergraph {args.supergraph}: {exc}") from exc
        proposed, changed = _proposal(args, current)
        operations = _operations(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    report = check_subgraphs(current, proposed, operations, strict=args.strict, subgraphs=changed)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(report))
    else:
        sys.stdout.write(render_text(report))
    return EXIT_PASSED if report.passed else EXIT_FAILED
