"""The peer comparison: the same constant-VU k6 run against each gateway in turn.

Per gateway: start it (pinned to its cores), check one response by hand (no
``errors``, same ``data`` as every other gateway, and whether it is the same bytes),
warm up, then the measured run, sampling the CPU time of the gateway's whole process
tree and of the subgraphs around it. k6 checks every response against the first one.
Settings (env): BENCH_VUS (50), BENCH_DURATION (30s), BENCH_WARMUP (10s),
BENCH_SOLO_DURATION (10s: a 1-VU run after the measured one, where no concurrent
requests can share subgraph fetches), BENCH_GATEWAYS (router,router-2w,router-guarded,router-usage,
router-traced-0,router-traced-1,router-cached,router-entities,apollo-gateway,hive-gateway,
hive-gateway-rqp: verified first, see rqp.py), BENCH_BASELINE (a git revision of this repository: adds ``baseline``,
the router at that revision, see baseline.py), BENCH_REPEAT (1: rounds over all the
gateways, every other round in reverse order, so that noise from the shared machine
falls on every variant alike; the figures reported are the medians over the rounds).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import statistics
import sys
import time
import urllib.request
from typing import Any

from tests.bench import env, k6run, rqp
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

# summed over the rounds; every other numeric figure of a row is the median of the rounds
SUMMED = ("requests", "bad_responses", "http_failures", "solo_requests", "solo_bad_responses")


def settings() -> dict[str, Any]:
    return {
        "vus": int(os.environ.get("BENCH_VUS", "50")),
        "duration": os.environ.get("BENCH_DURATION", "30s"),
        "warmup": os.environ.get("BENCH_WARMUP", "10s"),
        "solo_duration": os.environ.get("BENCH_SOLO_DURATION", "10s"),
        "gateways": os.environ.get("BENCH_GATEWAYS", ",".join(GATEWAYS)).split(","),
        "baseline": os.environ.get("BENCH_BASELINE", ""),
        "repeat": max(1, int(os.environ.get("BENCH_REPEAT", "1"))),
    }


def results_name(opts: dict[str, Any]) -> str:
    """compare.json for the peer comparison; a baseline run is kept apart from it, and
    a run at another VU level than the default apart from the default one."""
    if not opts["baseline"]:
        return "compare.json"
    return (
        "compare-baseline.json" if opts["vus"] == 50 else f"compare-baseline-{opts['vus']}vu.json"
    )


def command_line(make_target: str) -> str:
    """The command that reproduces this run: the BENCH_* settings given and the target."""
    given = [
        f"{k}={v}"
        for k, v in sorted(os.environ.items())
        if k.startswith("BENCH_") and k != "BENCH_RESULTS"  # a path of this machine
    ]
    return " ".join([*given, "make", make_target])


def post(
    url: str, payload: dict[str, Any], api_key: str | None = None
) -> tuple[bytes, dict[str, Any]]:
    """The raw body and the parsed response of one POST."""
    headers = {"content-type": "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    request = urllib.request.Request(url, json.dumps(payload).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            return body, dict(json.loads(body))
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
    """One gateway: start, first response, warm-up, measured run, 1-VU run, stop."""
    supergraph = env.bench_supergraph(sg_port)
    port = free_port()
    child = gateway.start(supergraph, port)
    with running([child]):
        url = gateway.url(port)
        first_body, first = post(url, {"query": env.BENCH_QUERY.read_text()}, gateway.api_key)
        if first.get("errors") or not first.get("data"):
            raise BenchError(f"{gateway.name}: first response not clean: {str(first)[:500]}")
        if "queryPlan" in (first.get("extensions") or {}):  # rqp.py's plugin left on
            raise BenchError(f"{gateway.name}: the measured start exposes its query plan")
        k6_env = {"URL": url, "VUS": str(opts["vus"])}
        if gateway.api_key:
            k6_env["API_KEY"] = gateway.api_key
        print(f"bench: {gateway.name} warm-up {opts['warmup']}", flush=True)
        k6run.run("compare", {**k6_env, "DURATION": opts["warmup"]}, env.RESULTS / "warmup.json")
        # CPU time (utime + stime from /proc) of the gateway's whole process tree, so a
        # multi-worker gateway's workers count, read around the measured window only
        before, sg_before = child.usage(), sg_child.usage()
        sg_requests = subgraph_requests(sg_port)
        cores_before = core_times(gateway.cpus), core_times(LOAD_CPUS)
        started = time.monotonic()
        print(f"bench: {gateway.name} measured {opts['duration']} @ {opts['vus']} VUs", flush=True)
        figures = k6run.run(
            "compare",
            {**k6_env, "DURATION": opts["duration"]},
            env.RESULTS / f"{gateway.name}.json",
        )
        wall = time.monotonic() - started
        after, sg_after = child.usage(), sg_child.usage()
        cores_after = core_times(gateway.cpus), core_times(LOAD_CPUS)
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
        "short": gateway.short,
        "workers": gateway.workers,
        "cpus": gateway.cpus,
        **figures,
        "gateway_cpu_pct": 100 * (after.cpu_seconds - before.cpu_seconds) / wall,
        "gateway_peak_rss_mb": after.peak_rss_mb,
        "gateway_cpu_ms_per_request": 1000
        * (after.cpu_seconds - before.cpu_seconds)
        / max(figures["requests"], 1),
        "solo_requests": solo["requests"],
        "solo_rps": solo["rps"],
        "solo_p50_ms": solo["p50_ms"],
        "solo_p99_ms": solo["p99_ms"],
        "solo_bad_responses": solo["bad_responses"],
        "solo_cpu_ms_per_request": 1000 * solo_cpu / max(solo["requests"], 1),
        "subgraphs_cpu_pct": 100 * (sg_after.cpu_seconds - sg_before.cpu_seconds) / wall,
        "k6_cpu_pct": figures["k6_cpu_pct"],
        # whole-core busy shares (anyone's work): gateway core above the gateway's own CPU
        # means another process used it; a load core near 100 means k6 may be the limit
        "gateway_core_busy_pct": busy_pct(cores_before[0], cores_after[0]),
        "load_core_busy_pct": busy_pct(cores_before[1], cores_after[1]),
        "subgraph_requests_per_request": sg_requests / max(figures["requests"], 1),
        "first_data": first["data"],
        "first_body": first_body.decode(errors="replace"),
    }


def _order(names: list[str], round_index: int) -> list[str]:
    """Every other round runs the gateways in reverse order."""
    return names if round_index % 2 == 0 else names[::-1]


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One gateway over its rounds: medians, sums for counts, the per-round figures."""
    row = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        values = [r[key] for r in runs]
        row[key] = sum(values) if key in SUMMED else statistics.median(values)
    row["k6_exit"] = max(r["k6_exit"] for r in runs)
    del row["round"]
    row["rounds"] = [
        {
            "round": r["round"],
            "rps": r["rps"],
            "solo_rps": r["solo_rps"],
            "gateway_cpu_ms_per_request": r["gateway_cpu_ms_per_request"],
            "solo_cpu_ms_per_request": r["solo_cpu_ms_per_request"],
            "p99_ms": r["p99_ms"],
        }
        for r in runs
    ]
    return row


def _paired(rows: dict[str, dict[str, Any]], name: str, other: str, key: str) -> list[float]:
    """Per-round ratios name / other of one figure (both measured in the same round)."""
    theirs = {r["round"]: r[key] for r in rows[other]["rounds"]}
    return [
        r[key] / theirs[r["round"]]
        for r in rows[name]["rounds"]
        if theirs.get(r["round"])  # both ran in that round, and the other's figure is not 0
    ]


def ratios(rows: dict[str, dict[str, Any]], name: str, other: str) -> dict[str, Any]:
    """name against other: ratio of the medians and the per-round (paired) ratios."""
    out: dict[str, Any] = {"of": name, "to": other}
    for key in ("rps", "solo_rps", "gateway_cpu_ms_per_request", "solo_cpu_ms_per_request"):
        a, b = rows[name][key], rows[other][key]
        out[key] = a / b if b else None
        out[f"{key}_per_round"] = _paired(rows, name, other, key)
    return out


def _gateways(opts: dict[str, Any], stack: contextlib.ExitStack) -> dict[str, Gateway]:
    known = dict(GATEWAYS)
    if opts["baseline"]:
        from tests.bench import baseline

        known["baseline"] = stack.enter_context(baseline.checkout(opts["baseline"]))
        if "baseline" not in opts["gateways"]:
            opts["gateways"].append("baseline")
    if "router-guarded" in opts["gateways"]:
        from tests.bench import guarded

        config, key = guarded.prepare()
        known["router-guarded"] = dataclasses.replace(
            known["router-guarded"], config=config, api_key=key
        )
    if "router-usage" in opts["gateways"]:
        from tests.bench import recording

        known["router-usage"] = dataclasses.replace(
            known["router-usage"], config=recording.prepare()
        )
    traced = [n for n in opts["gateways"] if n.startswith("router-traced") and n in known]
    if traced:
        from tests.bench.otlp_sink import otlp_sink

        endpoint = stack.enter_context(otlp_sink())
        for name in traced:
            gateway = known[name]
            exporter = (("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),)
            known[name] = dataclasses.replace(gateway, env=gateway.env + exporter)
    from tests.bench import cached

    for name in cached.CONFIGS:
        known[name] = cached.prepare(known[name])
    unknown = [g for g in opts["gateways"] if g not in known]
    if unknown:
        raise BenchError(f"unknown gateways {unknown}; known: {sorted(known)}")
    return {name: known[name] for name in opts["gateways"]}


def run(make_target: str = "bench-compare") -> dict[str, Any]:
    """Every gateway, one after the other, BENCH_REPEAT times, over one subgraphs process."""
    opts = settings()
    command = command_line(make_target)
    with contextlib.ExitStack() as stack:
        gateways = _gateways(opts, stack)
        if any(not g.router for g in gateways.values()):
            env.ensure_peers()
        sg_child, sg_port = start_subgraphs()
        failed: list[dict[str, Any]] = []
        with running([sg_child]):
            verified = rqp.verified(gateways, sg_port, failed)
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in gateways}
            for round_index in range(opts["repeat"]):
                for name in _order(list(gateways), round_index):
                    print(f"bench: round {round_index + 1}/{opts['repeat']}: {name}", flush=True)
                    try:
                        row = measure(gateways[name], sg_child, sg_port, opts)
                    except BenchError as exc:  # one gateway failing leaves the others' figures
                        print(f"bench: {name} failed: {exc}", file=sys.stderr, flush=True)
                        failed.append(
                            {"gateway": name, "label": gateways[name].label, "error": str(exc)}
                        )
                        continue
                    runs[name].append({**row, "round": round_index + 1})
    measured = {name: rs for name, rs in runs.items() if rs}
    if not measured:
        raise BenchError("no gateway could be measured")
    reference = next(iter(measured.values()))[0]
    rows = {}
    for name, rs in measured.items():
        row = _median_row(rs)
        row["same_data_as_first_gateway"] = all(
            r["first_data"] == reference["first_data"] for r in rs
        )
        row["same_bytes_as_first_gateway"] = all(
            r["first_body"] == reference["first_body"] for r in rs
        )
        del row["first_data"], row["first_body"]
        rows[name] = row
    apollo = rows.get("apollo-gateway")
    for row in rows.values():
        if apollo:
            row["rps_vs_apollo"] = row["rps"] / apollo["rps"] if apollo["rps"] else None
            row["p99_vs_apollo"] = row["p99_ms"] / apollo["p99_ms"] if apollo["p99_ms"] else None
    compared = []
    if "router" in rows and "router-2w" in rows:
        compared.append(ratios(rows, "router-2w", "router"))
    if "router" in rows and rqp.NAME in rows:  # issue 20's targets
        compared.append(ratios(rows, "router", rqp.NAME))
    if "router" in rows and "baseline" in rows:
        compared.append(ratios(rows, "router", "baseline"))
    if "router" in rows and "router-guarded" in rows:
        compared.append(ratios(rows, "router-guarded", "router"))
    usage_flush = None
    if "router" in rows and "router-usage" in rows:
        from tests.bench import recording

        compared.append(ratios(rows, "router-usage", "router"))
        usage_flush = recording.flush_timing()
    for traced in ("router-traced-0", "router-traced-1"):
        if "router" in rows and traced in rows:
            compared.append(ratios(rows, traced, "router"))
    for name in ("router-cached", "router-entities"):
        if "router" in rows and name in rows:
            compared.append(ratios(rows, name, "router"))
    return {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": command,
        "settings": opts,
        "cpus": {"gateway": GATEWAY_CPUS, "load_and_subgraphs": LOAD_CPUS},
        "rows": list(rows.values()),
        "ratios": compared,
        "failed": failed,
        "usage_flush": usage_flush,
        "rqp_verified": verified,
    }
