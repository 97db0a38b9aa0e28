"""Health endpoints' bodies: liveness, readiness and a detailed report."""

from __future__ import annotations

import asyncio
import os
import time
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
