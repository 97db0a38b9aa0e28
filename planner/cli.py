"""`planner` command line: `planner plan` prints a query plan, `planner compose`
builds a supergraph and `planner check` checks a subgraph change (what CI pipelines
run).

The library itself does no I/O; reading files and stdin happens only here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from planner import check_cli
from planner.compose import cli as compose_cli
from planner.errors import OperationValidationError, PlannerError
from planner.query_planner import QueryPlanner
from planner.supergraph import Supergraph


def _plan_command(args: argparse.Namespace) -> int:
    try:
        sdl = Path(args.supergraph).read_text()
    except OSError as exc:
        print(f"error: cannot read supergraph {args.supergraph}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.query == "-":
        query = sys.stdin.read()
    else:
        try:
            query = Path(args.query).read_text()
        except OSError as exc:
            print(f"error: cannot read query {args.query}: {exc.strerror}", file=sys.stderr)
            return 2
    variables = None
    if args.variables:
        try:
            variables = json.loads(args.variables)
        except json.JSONDecodeError as exc:
            print(f"error: --variables is not JSON: {exc}", file=sys.stderr)
            return 2
    try:
        supergraph = Supergraph.parse(sdl)
        planner = QueryPlanner(supergraph, batch=not args.no_batch)
        plan = planner.plan(query, args.operation_name, variables)
    except OperationValidationError as exc:
        for error in exc.errors:
            print(f"{exc.code}: {error.message}", file=sys.stderr)
        return 1
    except PlannerError as exc:
        print(f"{exc.code}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(plan.to_json(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planner", description="Federation v2 query planner")
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser("plan", help="print the query plan of an operation as JSON")
    plan.add_argument("--supergraph", required=True, help="supergraph SDL file")
    plan.add_argument("--operation-name", default=None)
    plan.add_argument("--variables", default=None, help="JSON object of variable values")
    plan.add_argument(
        "--no-batch",
        action="store_true",
        help="one fetch per entity path (Apollo's shape) instead of BatchFetch nodes",
    )
    plan.add_argument("query", help="file with the operation, or - for stdin")
    plan.set_defaults(handler=_plan_command)

    compose = commands.add_parser("compose", help="compose subgraph SDLs into a supergraph")
    compose_cli.add_arguments(compose)
    compose.set_defaults(handler=compose_cli.run)

    check = commands.add_parser(
        "check", help="check a subgraph change: composition, breaking changes, operations"
    )
    check_cli.add_arguments(check)
    check.set_defaults(handler=check_cli.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
