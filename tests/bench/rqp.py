"""Hive Gateway + Rust QP really runs on Hive Router's query planner: the checks.

The peer is the hive-gateway CLI with a config file that swaps in
``@graphql-hive/router-runtime``. Had the CLI not loaded the file, it would quietly run
its JavaScript planner and the bench would compare us with the wrong gateway. So,
before it is measured: (a) every start's log must name the config file and say it was
loaded (Gateway.start, through ``config_file``), and (b) one extra start with
``BENCH_EXPOSE_QUERY_PLAN=1`` (the config then adds ``useQueryPlan({ expose: true })``)
must answer the heavy operation with a plan in ``extensions.queryPlan`` of the Rust
planner's shape: its path segments are serde's tagged enums (``{"Field": "users"}``)
where Apollo's JavaScript planner writes bare strings. The measured start runs
without the plugin and its answers must carry no plan.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Any

from tests.bench import env
from tests.bench.gateways import GATEWAYS, Gateway
from tests.bench.processes import BenchError, free_port, running

NAME = "hive-gateway-rqp"
EXPOSE_ENV = "BENCH_EXPOSE_QUERY_PLAN"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def config_loaded(log_text: str, config_file: str) -> bool:
    """The hive-gateway CLI's startup log names the config file and says it loaded it."""
    text = ANSI.sub("", log_text)
    named = any(
        "Loading config file at path" in line and line.rstrip().endswith(config_file)
        for line in text.splitlines()
    )
    return named and "Loaded config" in text


PLAN_EDGES = ("node", "nodes", "ifClause", "elseClause", "primary", "rest", "deferred")
"""The keys under which a plan node holds its children (selection sets are not walked)."""


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every plan node under ``node`` (itself included), depth first."""
    if isinstance(node, list):
        return [found for child in node for found in _nodes(child)]
    if not isinstance(node, dict):
        return []
    found = [node] if "kind" in node else []
    for key in PLAN_EDGES:
        found += _nodes(node.get(key))
    return found


def _segments(plan: dict[str, Any]) -> list[Any]:
    """The response-path segments of the plan's Flatten nodes and entity batches."""
    segments: list[Any] = []
    for node in _nodes(plan):
        if node["kind"] == "Flatten":
            segments += node.get("path") or []
        for alias in (node.get("entityBatch") or {}).get("aliases") or []:
            for path in alias.get("paths") or []:
                segments += path
    return segments


def plan_shape(plan: Any) -> dict[str, Any]:
    """The node kinds of a plan (with counts) and whether it has the Rust planner's shape."""
    if not isinstance(plan, dict) or plan.get("kind") != "QueryPlan":
        return {"node_kinds": {}, "rust_shaped": False, "why": "no QueryPlan in extensions"}
    kinds = Counter(node["kind"] for node in _nodes(plan))
    segments = _segments(plan)
    tagged = [s for s in segments if isinstance(s, dict) and "Field" in s]
    fetches = kinds["Fetch"] + kinds["BatchFetch"]
    rust = fetches > 0 and bool(tagged) and all(s == "@" or s in tagged for s in segments)
    why = "" if rust else f"{fetches} fetches, {len(tagged)} of {len(segments)} segments tagged"
    return {
        "node_kinds": dict(sorted(kinds.items())),
        "path_segments": len(segments),
        "tagged_path_segments": len(tagged),
        "rust_shaped": rust,
        "why": why,
    }


def verify(sg_port: int, gateway: Gateway | None = None) -> dict[str, Any]:
    """One start with the plan exposed: config loaded, plan of the Rust planner's shape."""
    from tests.bench.compare import post

    gateway = gateway or GATEWAYS[NAME]
    exposing = dataclasses.replace(gateway, env=(*gateway.env, (EXPOSE_ENV, "1")))
    port = free_port()
    log = env.RESULTS / f"{NAME}-verify.log"
    child = exposing.start(env.bench_supergraph(sg_port), port, log=log)
    with running([child]):
        _, answer = post(exposing.url(port), {"query": env.BENCH_QUERY.read_text()})
    plan = (answer.get("extensions") or {}).get("queryPlan")
    shape = plan_shape(plan)
    if answer.get("errors") or not answer.get("data"):
        raise BenchError(f"{NAME}: verification answer not clean: {str(answer)[:300]}")
    if not shape["rust_shaped"]:
        raise BenchError(f"{NAME}: the plan is not the Rust planner's: {shape['why']}")
    print(f"bench: {NAME} verified: config loaded, plan nodes {shape['node_kinds']}", flush=True)
    return {"config_loaded": True, **shape}


def verified(
    gateways: dict[str, Gateway], sg_port: int, failed: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Verify the peer when it is among ``gateways``; a failure drops it (into ``failed``)."""
    if NAME not in gateways:
        return None
    try:
        return verify(sg_port, gateways[NAME])
    except BenchError as exc:
        print(f"bench: {NAME} failed verification: {exc}", flush=True)
        failed.append({"gateway": NAME, "label": gateways[NAME].label, "error": str(exc)})
        del gateways[NAME]
        return {"error": str(exc)}
