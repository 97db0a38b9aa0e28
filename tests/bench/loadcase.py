"""One operation against several gateways at a few fixed VU levels, one gateway at a
time over one subgraphs process: the shared runner of the 500-VU stress case
(stress500.py) and the large-response case (large.py).

Per gateway: start it (pinned to its core), check its first answer by hand (HTTP 200,
no ``errors``, no exposed query plan, same ``data`` and whether the same bytes as the
first gateway's), warm up, then one k6 run per VU level; k6 checks every response
against the first one byte for byte (compare.js, its data when the bytes differ).
Peak RSS is the kernel's high-water mark (VmHWM) summed over the gateway's process
tree, read after the runs: the most memory it held at any moment.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import env, k6run, rqp
from tests.bench.compare import command_line, post, start_subgraphs
from tests.bench.gateways import GATEWAYS, Gateway
from tests.bench.processes import GATEWAY_CPUS, LOAD_CPUS, BenchError, free_port, running

PEERS = "router,apollo-gateway,hive-gateway,hive-gateway-rqp"


def _one(
    gateway: Gateway,
    sg_port: int,
    query: Path,
    levels: list[tuple[int, str]],
    warmup: tuple[int, str],
) -> tuple[dict[str, Any], bytes]:
    port = free_port()
    child = gateway.start(env.bench_supergraph(sg_port), port)
    with running([child]):
        started_rss = child.usage().peak_rss_mb
        url = gateway.url(port)
        t0 = time.monotonic()
        body, first = post(url, {"query": query.read_text()})
        first_ms = 1000 * (time.monotonic() - t0)
        if first.get("errors") or not first.get("data"):
            raise BenchError(f"{gateway.name}: first response not clean: {str(first)[:300]}")
        if "queryPlan" in (first.get("extensions") or {}):
            raise BenchError(f"{gateway.name}: the measured start exposes its query plan")
        k6_env = {"URL": url, "QUERY_FILE": str(query)}
        vus, duration = warmup
        print(f"bench: {gateway.name} warm-up {duration} @ {vus} VUs", flush=True)
        k6run.run("compare", {**k6_env, "VUS": str(vus), "DURATION": duration}, _out("warmup"))
        runs = []
        for vus, duration in levels:
            print(f"bench: {gateway.name} {duration} @ {vus} VUs", flush=True)
            before = child.usage()
            figures = k6run.run(
                "compare",
                {**k6_env, "VUS": str(vus), "DURATION": duration},
                _out(f"{query.stem}-{gateway.name}-{vus}vu"),
            )
            cpu = child.usage().cpu_seconds - before.cpu_seconds
            figures["gateway_cpu_ms_per_request"] = 1000 * cpu / max(figures["requests"], 1)
            figures["errors"] = figures["bad_responses"]
            runs.append({"vus": vus, "duration": duration, **figures})
        peak = child.usage().peak_rss_mb
    row = {
        "gateway": gateway.name,
        "label": gateway.label,
        "short": gateway.short,
        "response_bytes": len(body),
        "first_response_ms": first_ms,
        "rss_after_start_mb": started_rss,
        "peak_rss_mb": peak,
        "runs": runs,
        "first_data": first["data"],
    }
    return row, body


def _out(name: str) -> Path:
    return env.RESULTS / "k6" / f"{name}.json"


def run(
    case: str,
    query: Path,
    gateway_names: list[str],
    levels: list[tuple[int, str]],
    warmup: tuple[int, str],
    make_target: str,
) -> dict[str, Any]:
    """Every gateway in turn; the rows, the failures, the Rust QP peer's verification."""
    unknown = [n for n in gateway_names if n not in GATEWAYS]
    if unknown:
        raise BenchError(f"unknown gateways {unknown}; known: {sorted(GATEWAYS)}")
    gateways = {n: GATEWAYS[n] for n in gateway_names}
    if any(not g.router for g in gateways.values()):
        env.ensure_peers()
    failed: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    reference: tuple[Any, bytes] | None = None
    sg_child, sg_port = start_subgraphs()
    with running([sg_child]):
        verified = rqp.verified(gateways, sg_port, failed)
        for name, gateway in gateways.items():
            print(f"bench: {case}: {name}", flush=True)
            try:
                row, body = _one(gateway, sg_port, query, levels, warmup)
            except BenchError as exc:  # one gateway failing leaves the others' figures
                print(f"bench: {name} failed: {exc}", file=sys.stderr, flush=True)
                failed.append({"gateway": name, "label": gateway.label, "error": str(exc)})
                continue
            if reference is None:
                reference = (row["first_data"], body)
            row["same_data_as_first_gateway"] = row.pop("first_data") == reference[0]
            row["same_bytes_as_first_gateway"] = body == reference[1]
            rows.append(row)
    if not rows:
        raise BenchError(f"{case}: no gateway could be measured")
    return {
        "case": case,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": command_line(make_target),
        "query": query.name,
        "levels": [{"vus": v, "duration": d} for v, d in levels],
        "warmup": {"vus": warmup[0], "duration": warmup[1]},
        "cpus": {"gateway": GATEWAY_CPUS, "load_and_subgraphs": LOAD_CPUS},
        "rows": rows,
        "failed": failed,
        "rqp_verified": verified,
    }


def save(result: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(result, indent=1))
    print(f"bench: wrote {path}", flush=True)
