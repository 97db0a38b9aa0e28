"""Health endpoints' bodies: liveness, readiness and a detailed report.

The detailed report is public, but what would help an attacker map the deployment
(subgraph URLs, the supergraph file path, the text of connection and reload
errors) is only shown with ``health_details`` on, or to a request bearing the admin
token (``Authorization: Bearer <GATEWAY_ADMIN_TOKEN>``)."""

from __future__ import annotations

import asyncio
import hmac
import os
import time
from collections.abc import Mapping
from typing import Any

from router.execution.subgraph_client import SubgraphClient
from router.state import StateHolder


def basic(holder: StateHolder) -> tuple[int, dict[str, Any]]:
    """200 once a supergraph is loaded, else 503."""
    if holder.current is None:
        return 503, {"status": "unavailable", "reason": "no supergraph loaded"}
    return 200, {"status": "ok"}


async def detailed(holder: StateHolder, client: SubgraphClient) -> tuple[int, dict[str, Any]]:
    """Each subgraph's reachability and latency, schema hash and uptime."""
    state = holder.current
    body: dict[str, Any] = {
        "pid": os.getpid(),
        "uptimeSeconds": round(time.time() - holder.started_at, 3),
        "lastReloadError": holder.last_reload_error,
    }
    if state is None:
        body["status"] = "unavailable"
        return 503, body
    names = sorted(state.supergraph.subgraphs)
    probes = await asyncio.gather(
        *(client.probe(state.supergraph.subgraphs[name].url) for name in names)
    )
    subgraphs = {}
    for name, (ok, latency, problem) in zip(names, probes, strict=True):
        replicas = client.replicas(name)
        if replicas is not None:  # requests go to these, not to the supergraph's URL
            subgraphs[name] = await _replica_entry(client, replicas)
            continue
        entry: dict[str, Any] = {
            "url": state.supergraph.subgraphs[name].url,
            "reachable": ok,
            "latencyMs": round(latency, 2),
        }
        if problem:
            entry["error"] = problem
        subgraphs[name] = entry
    body.update(
        status="ok" if all(e["reachable"] for e in subgraphs.values()) else "degraded",
        schemaHash=state.sdl_hash,
        schemaLoadedAt=state.loaded_at,
        supergraphFile=state.source,
        subgraphs=subgraphs,
    )
    return 200, body


async def _replica_entry(client: SubgraphClient, replicas: list[dict[str, Any]]) -> dict[str, Any]:
    """A subgraph with replicas: each probed; reachable when one of them is."""
    probes = await asyncio.gather(*(client.probe(r["url"]) for r in replicas))
    for replica, (ok, latency, problem) in zip(replicas, probes, strict=True):
        replica.update(reachable=ok, latencyMs=round(latency, 2))
        if problem:
            replica["error"] = problem
    reachable = [r for r in replicas if r["reachable"]]
    fastest = min((r["latencyMs"] for r in reachable), default=None)
    entry: dict[str, Any] = {"reachable": bool(reachable), "replicas": replicas}
    if fastest is not None:
        entry["latencyMs"] = fastest
    return entry


SENSITIVE_KEYS = frozenset({"url", "supergraphFile"})
"""Keys removed from ``/health/detailed`` (at any level) for anonymous callers."""
MASKED_KEYS = frozenset({"error", "lastReloadError"})
"""Keys whose text (which can name hosts, ports and paths) anonymous callers see
replaced by ``MASK`` when set: that there is an error stays visible."""
MASK = "hidden: send the admin token for details"


def may_see_details(public: bool, admin_token: str | None, headers: Mapping[str, str]) -> bool:
    """Whether this caller gets the sensitive parts of the detailed report."""
    if public:
        return True
    if not admin_token:
        return False
    scheme, _, given = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), admin_token.encode("utf-8")
    )


def redact(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without ``SENSITIVE_KEYS``, in it and in the mappings and lists it holds
    (the body is the router's own, a few levels deep)."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in SENSITIVE_KEYS:
            continue
        if key in MASKED_KEYS and value is not None:
            value = MASK
        if isinstance(value, dict):
            value = redact(value)
        elif isinstance(value, list):
            value = [redact(item) if isinstance(item, dict) else item for item in value]
        out[key] = value
    return out
