"""The peer comparison: the same constant-VU k6 run against each gateway in turn.

Per gateway: start it pinned to the gateway core, check one response by hand (no
``errors``, same ``data`` as every other gateway), warm up, then the measured run,
sampling the gateway's and the subgraphs' CPU time around it. k6 checks every
response against the first one. Settings (env): BENCH_VUS (50), BENCH_DURATION (30s),
BENCH_WARMUP (10s), BENCH_SOLO_DURATION (10s: a 1-VU run after the measured one,
where no concurrent requests can share subgraph fetches), BENCH_GATEWAYS
(router,apollo-gateway,hive-gateway).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any

from tests.bench import env, k6run
from tests.bench.gateways import GATEWAYS, Gateway
from tests.bench.processes import (
    GATEWAY_CPUS,
    LOAD_CPUS,
    BenchError,
    Child,
    busy_pct,
    core_times,
    free_port,
    running,
)


def settings() -> dict[str, Any]:
    return {
        "vus": int(os.environ.get("BENCH_VUS", "50")),
        "duration": os.environ.get("BENCH_DURATION", "30s"),
        "warmup": os.environ.get("BENCH_WARMUP", "10s"),
        "solo_duration": os.environ.get("BENCH_SOLO_DURATION", "10s"),
        "gateways": os.environ.get("BENCH_GATEWAYS", ",".join(GATEWAYS)).split(","),
    }


def post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))
    except (OSError, ValueError) as exc:  # URLError/HTTPError are OSErrors
        raise BenchError(f"POST {url} failed: {exc}") from exc


def subgraph_requests(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return int(json.loads(response.read())["requests"])


def start_subgraphs() -> tuple[Child, int]:
    port = free_port()
    command = [sys.executable, "-m", "tests.bench.subgraphs", "--port", str(port)]
    child = Child("subgraphs", command, env.RESULTS / "subgraphs.log", cpus=LOAD_CPUS)
    child.wait_port(port)
    return child, port


def measure(
    gateway: Gateway, sg_child: Child, sg_port: int, opts: dict[str, Any]
) -> dict[str, Any]:
    supergraph = env.bench_supergraph(sg_port)
    port = free_port()
    child = gateway.start(supergraph, port)
    with running([child]):
        url = gateway.url(port)
        first = post(url, {"query": env.BENCH_QUERY.read_text()})
        if first.get("errors") or not first.get("data"):
            raise BenchError(f"{gateway.name}: first response not clean: {str(first)[:500]}")
        k6_env = {"URL": url, "VUS": str(opts["vus"])}
        print(f"bench: {gateway.name} warm-up {opts['warmup']}", flush=True)
        k6run.run("compare", {**k6_env, "DURATION": opts["warmup"]}, env.RESULTS / "warmup.json")
        before, sg_before = child.usage(), sg_child.usage()
        sg_requests = subgraph_requests(sg_port)
        cores_before = core_times(GATEWAY_CPUS), core_times(LOAD_CPUS)
        started = time.monotonic()
        print(f"bench: {gateway.name} measured {opts['duration']} @ {opts['vus']} VUs", flush=True)
        figures = k6run.run(
            "compare",
            {**k6_env, "DURATION": opts["duration"]},
            env.RESULTS / f"{gateway.name}.json",
        )
        wall = time.monotonic() - started
        after, sg_after = child.usage(), sg_child.usage()
        cores_after = core_times(GATEWAY_CPUS), core_times(LOAD_CPUS)
        sg_requests = subgraph_requests(sg_port) - sg_requests
        # one VU: no concurrent client requests, so nothing to share between them
        print(f"bench: {gateway.name} solo {opts['solo_duration']} @ 1 VU", flush=True)
        solo_before = child.usage()
        solo = k6run.run(
            "compare",
            {**k6_env, "VUS": "1", "DURATION": opts["solo_duration"]},
            env.RESULTS / f"{gateway.name}-solo.json",
        )
        solo_cpu = child.usage().cpu_seconds - solo_before.cpu_seconds
    return {
        "gateway": gateway.name,
        "label": gateway.label,
        **figures,
        "gateway_cpu_pct": 100 * (after.cpu_seconds - before.cpu_seconds) / wall,
        "gateway_peak_rss_mb": after.peak_rss_mb,
        "gateway_cpu_ms_per_request": 1000
        * (after.cpu_seconds - before.cpu_seconds)
        / max(figures["requests"], 1),
        "solo_rps": solo["rps"],
        "solo_p50_ms": solo["p50_ms"],
        "solo_p99_ms": solo["p99_ms"],
        "solo_bad_responses": solo["bad_responses"],
        "solo_cpu_ms_per_request": 1000 * solo_cpu / max(solo["requests"], 1),
        "subgraphs_cpu_pct": 100 * (sg_after.cpu_seconds - sg_before.cpu_seconds) / wall,
        # whole-core busy shares (anyone's work): gateway core above the gateway's own CPU
        # means another process used it; a load core near 100 means k6 may be the limit
        "gateway_core_busy_pct": busy_pct(cores_before[0], cores_after[0]),
        "load_core_busy_pct": busy_pct(cores_before[1], cores_after[1]),
        "subgraph_requests_per_request": sg_requests / max(figures["requests"], 1),
        "first_data": first["data"],
    }


def run() -> dict[str, Any]:
    """Every gateway, one after the other, over one subgraphs process."""
    opts = settings()
    unknown = [g for g in opts["gateways"] if g not in GATEWAYS]
    if unknown:
        raise BenchError(f"unknown gateways {unknown}; known: {sorted(GATEWAYS)}")
    if any(g != "router" for g in opts["gateways"]):
        env.ensure_peers()
    sg_child, sg_port = start_subgraphs()
    rows = []
    with running([sg_child]):
        for name in opts["gateways"]:
            try:
                rows.append(measure(GATEWAYS[name], sg_child, sg_port, opts))
            except BenchError as exc:  # one gateway failing leaves the others' figures
                print(f"bench: {name} failed: {exc}", file=sys.stderr, flush=True)
                rows.append({"gateway": name, "label": GATEWAYS[name].label, "error": str(exc)})
    failed = [r for r in rows if "error" in r]
    rows = [r for r in rows if "error" not in r]
    if not rows:
        raise BenchError("no gateway could be measured")
    reference = rows[0]["first_data"]
    apollo = next((r for r in rows if r["gateway"] == "apollo-gateway"), None)
    for row in rows:
        row["same_data_as_first_gateway"] = row.pop("first_data") == reference
        if apollo:
            row["rps_vs_apollo"] = row["rps"] / apollo["rps"] if apollo["rps"] else None
            row["p99_vs_apollo"] = row["p99_ms"] / apollo["p99_ms"] if apollo["p99_ms"] else None
    return {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "settings": opts,
        "cpus": {"gateway": GATEWAY_CPUS, "load_and_subgraphs": LOAD_CPUS},
        "rows": rows,
        "failed": failed,
    }
