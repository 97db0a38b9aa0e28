"""The report's sections for issue 20: its targets against Hive Gateway + Rust QP, the
load generator's share of the cores in the 2-worker run, the heavy operation at 500
VUs, the large response, and per-core efficiency beside published figures.

Every sentence with a figure is generated from the results, so the text cannot drift
from the numbers; published figures come from published.py with their source.
"""

from __future__ import annotations

from typing import Any

from tests.bench import published
from tests.bench.rqp import NAME as RQP

TARGET_RATIO = 2.0
Check = tuple[str, bool | None, str]


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rows(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {r["gateway"]: r for r in (result or {}).get("rows", [])}


def _ratio_entry(compare: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (r for r in compare.get("ratios", []) if r["of"] == "router" and r["to"] == RQP), None
    )


def target_checks(compare: dict[str, Any] | None) -> list[Check]:
    """Ours (1 worker) >= 2x Hive Gateway + Rust QP at the run's VUs and at 1 VU."""
    rows = _rows(compare)
    ours, theirs = rows.get("router"), rows.get(RQP)
    if not compare or not ours or not theirs:
        return []
    entry = _ratio_entry(compare) or {}
    rounds = compare["settings"].get("repeat", 1)
    checks: list[Check] = []
    for key, at in (("rps", f"{compare['settings']['vus']} VUs"), ("solo_rps", "1 VU")):
        ratio = ours[key] / theirs[key] if theirs[key] else None
        per_round = entry.get(f"{key}_per_round") or []
        met: bool | None = None if ratio is None else ratio >= TARGET_RATIO
        if len(per_round) > 1 and min(per_round) < TARGET_RATIO <= max(per_round):
            met = None  # the rounds fall on both sides: the run's noise cannot tell
        measured = f"{_f(ours[key])} vs {_f(theirs[key])} RPS: {_f(ratio, 2)}x"
        if rounds > 1 and per_round:
            measured += (
                f" (median of {rounds} rounds; per round {', '.join(_f(v, 2) for v in per_round)})"
            )
        checks.append((f"ours (1 worker) RPS >= 2x Hive Gateway + Rust QP at {at}", met, measured))
    clean = all(
        r["bad_responses"] == 0 and r.get("solo_bad_responses", 0) == 0 for r in (ours, theirs)
    )
    same = bool(theirs.get("same_data_as_first_gateway")) and bool(
        ours.get("same_data_as_first_gateway")
    )
    checks.append(
        (
            "every response checked, same data as the first gateway's",
            clean and same,
            f"bad responses {ours['bad_responses'] + ours.get('solo_bad_responses', 0)} / "
            f"{theirs['bad_responses'] + theirs.get('solo_bad_responses', 0)}; same data: "
            f"{'yes' if same else 'NO'}",
        )
    )
    return checks


def targets_section(compare: dict[str, Any] | None) -> list[str]:
    checks = target_checks(compare)
    if not compare or not checks:
        return []
    verdict = {True: "yes", False: "NO", None: "not resolved: per-round ratios on both sides"}
    lines = [
        "## Targets (issue 20)",
        "",
        f"From the same run (`{compare.get('command', '')}`, {compare.get('measured_at', '')}), "
        "each gateway on one core.",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
        *(f"| {name} | {verdict[ok]} | {value} |" for name, ok, value in checks),
        "",
        *verification_lines(compare.get("rqp_verified")),
    ]
    return lines


def verification_lines(verified: dict[str, Any] | None) -> list[str]:
    """What the run checked before measuring Hive Gateway + Rust QP (rqp.py)."""
    if not verified:
        return []
    if "error" in verified:
        return [f"Hive Gateway + Rust QP failed its verification: {verified['error'][:300]}", ""]
    kinds = ", ".join(f"{k} {n}" for k, n in verified["node_kinds"].items())
    return [
        "Hive Gateway + Rust QP was verified in this run before it was measured: its startup "
        "log named `hive-gateway-rqp.config.mjs` and said it was loaded, and one start with "
        "`useQueryPlan({ expose: true })` answered the heavy operation with a plan of the Rust "
        f"planner's shape (plan nodes: {kinds}; {verified['tagged_path_segments']} of "
        f"{verified['path_segments']} path segments are the Rust planner's tagged "
        '`{"Field": ...}` segments, where the JavaScript planners write strings). The '
        "measured start ran without the plugin.",
        "",
    ]


def load_share_lines(one: dict[str, Any], two: dict[str, Any]) -> list[str]:
    """What k6 and the subgraphs left of the second core to the 2-worker router, in figures."""
    if "k6_cpu_pct" not in two or "k6_cpu_pct" not in one:
        return []
    load = two["subgraphs_cpu_pct"] + two["k6_cpu_pct"]
    left = max(0.0, 100.0 - load)
    beyond = two["gateway_cpu_pct"] - 100
    cores = (100 + left) / 100
    bound = (
        cores * 1000 / two["gateway_cpu_ms_per_request"]
        if two["gateway_cpu_ms_per_request"]
        else None
    )
    ratio = two["rps"] / one["rps"] if one["rps"] else None
    return [
        f"What the load generator's share does: with one worker the load core (CPU 1) was "
        f"{_f(one.get('load_core_busy_pct'), 0)}% busy, the subgraphs using "
        f"{_f(one['subgraphs_cpu_pct'], 0)}% of a core and k6 {_f(one['k6_cpu_pct'], 0)}% to "
        f"drive {_f(one['rps'], 0)} RPS. With two workers the subgraphs used "
        f"{_f(two['subgraphs_cpu_pct'], 0)}% and k6 {_f(two['k6_cpu_pct'], 0)}% (k6's share "
        f"grows with the RPS it drives), so at most {_f(left, 0)}% of the second core was left "
        f"to the router; the load core was {_f(two.get('load_core_busy_pct'), 0)}% busy and "
        f"the router's process tree used {_f(two['gateway_cpu_pct'], 0)}% CPU (100 = one "
        f"core), {_f(beyond, 0)}% beyond one core. At its "
        f"{_f(two['gateway_cpu_ms_per_request'], 2)} CPU ms per request, "
        f"{_f(cores, 2)} cores would serve at most {_f(bound, 0)} RPS, "
        f"{_f(bound / one['rps'] if bound and one['rps'] else None, 2)}x one worker; it served "
        f"{_f(two['rps'], 0)} RPS, {_f(ratio, 2)}x. On a machine where the load generator "
        "has cores of its own, the second worker would have a whole core.",
        "",
    ]


def _level(row: dict[str, Any], vus: int) -> dict[str, Any] | None:
    return next((r for r in row["runs"] if r["vus"] == vus), None)


def stress_section(result: dict[str, Any] | None) -> list[str]:
    """``make bench-stress``: the heavy operation at 500 VUs, p99 and errors per gateway."""
    if not result:
        return []
    level = result["levels"][0]
    lines = [
        f"## Heavy query at {level['vus']} VUs (last `make bench-stress`)",
        "",
        f"Measured {result['measured_at']} with `{result['command']}`: each gateway on one "
        f"core, {level['duration']} at {level['vus']} VUs after {result['warmup']['duration']} "
        f"at {result['warmup']['vus']} VUs, every response checked against the first. Errors "
        "= responses that were not HTTP 200 with the same data (timeouts and refused "
        "connections included); the stress scenario of graphql-gateways-benchmark.",
        "",
        "| Gateway | requests | RPS | p50 ms | p99 ms | max ms | errors | HTTP failures | "
        "CPU ms / request | peak RSS MB | same data |",
        "| --- " + "| ---: " * 9 + "| --- |",
    ]
    for row in result["rows"]:
        run = row["runs"][0]
        lines.append(
            f"| {row['label']} | {run['requests']} | {_f(run['rps'])} | {_f(run['p50_ms'])} | "
            f"{_f(run['p99_ms'])} | {_f(run['max_ms'])} | {run['errors']} | "
            f"{run['http_failures']} | {_f(run['gateway_cpu_ms_per_request'], 2)} | "
            f"{_f(row['peak_rss_mb'])} | {'yes' if row['same_data_as_first_gateway'] else 'NO'} |"
        )
    for failed in result.get("failed", []):
        lines.append(f"| {failed['label']} | failed: {failed['error'][:200]} |")
    s = published.STRESS_APOLLO_ROUTER
    lines += [
        "",
        f"Published for comparison (not re-measured): in graphql-gateways-benchmark's "
        f"ramping-VUs scenario (to {s['max_vus']} VUs over 60 s) Apollo Router failed "
        f"{s['failed']} of {s['requests']} requests, p95 {s['p95_ms']:.0f} ms "
        f"([source]({published.GUILD_RAMPING})).",
        "",
    ]
    return lines


def large_section(result: dict[str, Any] | None) -> list[str]:
    """``make bench-large``: an ~8 MB response, latency per VU level and peak RSS."""
    if not result:
        return []
    levels = [lv["vus"] for lv in result["levels"]]
    size = max((r["response_bytes"] for r in result["rows"]), default=0)
    head = " | ".join(
        f"{v} VU{'s' if v != 1 else ''}: p50 / p99 ms | requests | errors" for v in levels
    )
    lines = [
        "## A large response (last `make bench-large`)",
        "",
        f"Measured {result['measured_at']} with `{result['command']}`: "
        f"`tests/bench/assets/{result['query']}` lists 93,000 products ({size / 1e6:.1f} MB "
        "of JSON; the products subgraph's `allProducts`, each product's `inStock` from the "
        "inventory subgraph in one entity fetch of 93,000 representations). Each gateway on one "
        f"core, {result['levels'][0]['duration']} per level after "
        f"{result['warmup']['duration']} at {result['warmup']['vus']} VU; every response "
        "checked against the first; *requests* = answers completed in the window (k6 "
        "abandons a request still running 30 s after it, uncounted). Peak RSS: the kernel's "
        "high-water mark (VmHWM) of the gateway's process tree over the whole case.",
        "",
        f"| Gateway | bytes | {head} | CPU ms / request ({levels[0]} VU) | RSS after start MB "
        "| peak RSS MB | same bytes / data |",
        "| --- | ---: " + "| ---: | ---: | ---: " * len(levels) + "| ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        cells = []
        for vus in levels:
            run = _level(row, vus) or {}
            cells.append(
                f"{_f(run.get('p50_ms'))} / {_f(run.get('p99_ms'))} | {run.get('requests', '-')} | "
                f"{run.get('errors', '-')}"
            )
        first = _level(row, levels[0]) or {}
        same = (
            f"{'yes' if row['same_bytes_as_first_gateway'] else 'no'} / "
            f"{'yes' if row['same_data_as_first_gateway'] else 'NO'}"
        )
        lines.append(
            f"| {row['label']} | {row['response_bytes']} | {' | '.join(cells)} | "
            f"{_f(first.get('gateway_cpu_ms_per_request'), 0)} | "
            f"{_f(row['rss_after_start_mb'])} | {_f(row['peak_rss_mb'])} | {same} |"
        )
    for failed in result.get("failed", []):
        lines.append(f"| {failed['label']} | failed: {failed['error'][:200]} |")
    url, when = published.LARGE_RESPONSE_SOURCE
    quoted = "; ".join(
        f"{p.gateway} p50 {p.p50_ms} / p99 {p.p99_ms} ms, {p.memory_max_mb:.0f} MiB max, "
        f"{p.requests_per_core_s} requests per core-second"
        for p in published.LARGE_RESPONSE
    )
    lines += [
        "",
        f"Published for comparison (not re-measured; Grafbase's big-response case, ~8 MiB of "
        f"lists, objects, strings and numbers, 1 VU, 16-core machine; {when}, "
        f"[source]({url})): {quoted}.",
        "",
    ]
    return lines


def efficiency_section(compare: dict[str, Any] | None) -> list[str]:
    """RPS per core and MB of RSS per worker, ours measured, Hive/Apollo Router quoted."""
    rows = _rows(compare)
    ours = [rows[n] for n in ("router", "router-2w") if n in rows]
    if not compare or not ours:
        return []
    vus = compare["settings"]["vus"]
    lines = [
        "## Per-core efficiency",
        "",
        f"Ours measured in the comparison above (heavy operation, {vus} VUs): *RPS per core "
        "used* = RPS / (the gateway's CPU % / 100) = 1000 / CPU ms per request; *RPS per core "
        "allotted* = RPS / the cores it was pinned to (the 2-worker router shares its second "
        "core with k6 and the subgraphs); *MB per worker* = peak RSS of the process tree "
        "(supervisor included) / workers. The Rust routers' figures are quoted from their "
        "sources, not re-measured: other machines, other core counts; a Rust router is one "
        "multi-threaded process, so its memory is per process.",
        "",
        "| Gateway | scenario | RPS | CPU % | RPS per core used | RPS per core allotted | "
        "RSS MB | MB per worker | source |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in ours:
        cores = len([c for c in str(row.get("cpus", "0")).split(",") if c])
        per_used = row["rps"] / (row["gateway_cpu_pct"] / 100) if row["gateway_cpu_pct"] else None
        lines.append(
            f"| {row['label']} | heavy operation, {vus} VUs (this run) | {_f(row['rps'])} | "
            f"{_f(row['gateway_cpu_pct'], 0)} | {_f(per_used, 0)} | {_f(row['rps'] / cores, 0)} | "
            f"{_f(row['gateway_peak_rss_mb'])} | "
            f"{_f(row['gateway_peak_rss_mb'] / row.get('workers', 1))} | measured |"
        )
    for p in published.EFFICIENCY:
        lines.append(
            f"| {p.gateway} (published) | {p.scenario} | {_f(p.rps)} | {_f(p.cpu_max_pct, 0)} "
            f"(max) | {p.requests_per_core_s:.0f} | - | {p.memory_mb:.0f} (max) | - | "
            f"[{p.source}]({p.url}), {p.date} |"
        )
    constant = ", ".join(f"{k} {v:.0f}" for k, v in published.CONSTANT_RPS.items())
    lines += [
        "",
        f"graphql-gateways-benchmark's published constant-VUs results (heavy operation, 50 "
        f"VUs, 60 s; RPS only): {constant} ([source]({published.GUILD_CONSTANT})).",
        "",
    ]
    return lines
