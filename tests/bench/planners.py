"""Planner benchmark: our planner against @apollo/query-planner and
@graphql-hive/router-query-planner on the bench operation and every audit operation.

Figures per operation and planner:
- ``first_ms``: the first plan of the operation in the process;
- ``warm_ms`` ("cold plan"): median of full plans from the query text with no plan
  cache involved (ours: a fresh ``QueryPlanner`` each time; theirs have no cache);
- ``cached_us`` (ours): the cached lookup the router pays on every request;
- ``fetches``: the most fetches one execution of the plan sends (of a ``Condition``, the larger branch; a BatchFetch counts as one).
Ratios are ours / theirs on ``warm_ms`` (below 1 = we are faster); their geometric mean
over the operations every planner could plan. The reference fetch counts in
shared/plans are added for comparison.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from graphql import parse

from planner import QueryPlanner, Supergraph
from planner.validation import validate_operation
from tests.bench import env, plan_memory
from tests.bench.processes import BenchError
from tests.bench.stress import operations
from tests.support import SHARED_DIR

MIN_REPS = int(os.environ.get("PLAN_MIN_REPS", "5"))
MAX_REPS = int(os.environ.get("PLAN_MAX_REPS", "50"))
BUDGET_S = float(os.environ.get("PLAN_BUDGET_MS", "150")) / 1000
CACHED_CALLS = 2000
STRESS = "_stress"
"""The suite of huge operations (tests/bench/stress.py), reported on its own."""


def job() -> list[dict[str, Any]]:
    """The bench operation (suite ``_bench``) and every audit suite's operations."""
    suites = [
        {
            "suite": "_bench",
            "supergraph": env.BENCH_SUPERGRAPH.read_text(),
            "queries": [env.BENCH_QUERY.read_text()],
        }
    ]
    if env.AUDIT_DIR.is_dir():
        for folder in sorted(env.AUDIT_DIR.iterdir()):
            sdl, tests = folder / "supergraph.graphql", folder / "tests.json"
            if sdl.exists() and tests.exists():
                queries = [t["query"] for t in json.loads(tests.read_text())]
                suites.append(
                    {"suite": folder.name, "supergraph": sdl.read_text(), "queries": queries}
                )
    # Last, so its heavy allocations cannot disturb the other figures of either side.
    stress = operations()
    suites.append(
        {
            "suite": STRESS,
            "supergraph": env.BENCH_SUPERGRAPH.read_text(),
            "queries": list(stress.values()),
            "names": list(stress),
        }
    )
    only = os.environ.get("PLAN_SUITES")
    if only:
        suites = [s for s in suites if s["suite"] in only.split(",")]
    return suites


def _ours_one(sg: Supergraph, query: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        plan = QueryPlanner(sg).plan(query)
        out["first_ms"] = (time.perf_counter() - started) * 1000
        out["fetches"] = plan.fetch_count
        times: list[float] = []
        begin = time.perf_counter()
        while len(times) < MAX_REPS and (
            len(times) < MIN_REPS or time.perf_counter() - begin < BUDGET_S
        ):
            started = time.perf_counter()
            QueryPlanner(sg).plan(query)
            times.append(time.perf_counter() - started)
        out["warm_ms"] = statistics.median(times) * 1000
        out["parse_ms"], out["validate_ms"] = _phases(sg, query)
        cached = QueryPlanner(sg)
        cached.plan(query)
        started = time.perf_counter()
        for _ in range(CACHED_CALLS):
            cached.plan(query)
        out["cached_us"] = (time.perf_counter() - started) / CACHED_CALLS * 1e6
    except Exception as exc:  # a planner failure is a result, not a crash of the bench
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def _phases(sg: Supergraph, query: str, reps: int = 5) -> tuple[float, float]:
    """Median parse and validate (against the API schema, as the planner validates:
    its fast path, else graphql-core's) times of a query, in ms."""
    parse_times, validate_times = [], []
    for _ in range(reps):
        started = time.perf_counter()
        document = parse(query)
        parsed = time.perf_counter()
        validate_operation(sg.api_schema, document, sg.validation_index)
        parse_times.append(parsed - started)
        validate_times.append(time.perf_counter() - parsed)
    return statistics.median(parse_times) * 1000, statistics.median(validate_times) * 1000


def ours(suites: list[dict[str, Any]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for suite in suites:
        started = time.perf_counter()
        try:
            sg = Supergraph.parse(suite["supergraph"])
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            results[suite["suite"]] = {"error": error, "ops": [{} for _ in suite["queries"]]}
            continue
        load_ms = (time.perf_counter() - started) * 1000
        ops = [_ours_one(sg, query) for query in suite["queries"]]
        results[suite["suite"]] = {"load_ms": load_ms, "ops": ops}
    return results


def peers(suites: list[dict[str, Any]]) -> dict[str, Any]:
    env.ensure_peers()
    env.RESULTS.mkdir(parents=True, exist_ok=True)
    job_file, out_file = env.RESULTS / "planner-job.json", env.RESULTS / "planner-peers.json"
    job_file.write_text(json.dumps(suites))
    out_file.unlink(missing_ok=True)
    done = subprocess.run(
        [env.node(), str(env.PEERS / "planners.mjs"), str(job_file), str(out_file)],
        capture_output=True,
        text=True,
        cwd=env.PEERS,
    )
    if done.returncode != 0 or not out_file.exists():
        raise BenchError(f"peer planners failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(out_file.read_text()))


def reference_fetches() -> dict[str, dict[str, list[int]]]:
    """Fetch counts recorded in shared/plans (apollo-plans.json, hive-plans.json)."""
    found: dict[str, dict[str, list[int]]] = {}
    for name in ("apollo", "hive"):
        path = SHARED_DIR / "plans" / f"{name}-plans.json"
        if path.exists():
            data = json.loads(path.read_text())
            found[name] = {suite: [op.get("fetches") for op in ops] for suite, ops in data.items()}
    return found


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def run() -> dict[str, Any]:
    suites = job()
    print(f"bench: planning {sum(len(s['queries']) for s in suites)} operations", flush=True)
    mine = ours(suites)
    theirs = peers(suites)
    refs = reference_fetches()
    stress = next((s for s in suites if s["suite"] == STRESS), None)
    memory = (
        plan_memory.measure(dict(zip(stress["names"], stress["queries"], strict=True)))
        if stress
        else {}
    )
    rows: list[dict[str, Any]] = []
    for suite in suites:
        name = suite["suite"]
        for index, query in enumerate(suite["queries"]):
            row: dict[str, Any] = {"suite": name, "index": index, "query": query.strip()[:200]}
            if "names" in suite:
                row["name"] = suite["names"][index]
                row["chars"] = len(query)
            for planner, results in (
                ("ours", mine),
                ("apollo", theirs["apollo"]),
                ("hive", theirs["hive"]),
            ):
                ops = results.get(name, {}).get("ops", [])
                row[planner] = ops[index] if index < len(ops) else {}
            for planner, counts in refs.items():
                listed = counts.get(name, [])
                row[f"{planner}_reference_fetches"] = listed[index] if index < len(listed) else None
            ours_ms = row["ours"].get("warm_ms")
            for peer in ("apollo", "hive"):
                theirs_ms = row[peer].get("warm_ms")
                row[f"ratio_vs_{peer}"] = ours_ms / theirs_ms if ours_ms and theirs_ms else None
            rows.append(row)
    measured_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    summary = summarise(rows, memory)
    return {
        "measured_at": measured_at,
        "rows": rows,
        "summary": summary,
        "node": theirs.get("node"),
    }


def summarise(
    all_rows: list[dict[str, Any]], memory: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Figures over the bench and audit operations; the stress set is reported apart
    (it would dominate every mean)."""
    rows = [r for r in all_rows if r["suite"] != STRESS]
    bench = next(r for r in rows if r["suite"] == "_bench")
    both = [r for r in rows if r["ratio_vs_apollo"] and r["ratio_vs_hive"]]
    summary: dict[str, Any] = {
        "operations": len(rows),
        "planned": {
            p: sum(1 for r in rows if "fetches" in r[p]) for p in ("ours", "apollo", "hive")
        },
        "compared": len(both),
        "geomean_ratio_vs_apollo": geomean([r["ratio_vs_apollo"] for r in both]),
        "geomean_ratio_vs_hive": geomean([r["ratio_vs_hive"] for r in both]),
        "geomean_warm_ms": {
            p: geomean([r[p]["warm_ms"] for r in both]) for p in ("ours", "apollo", "hive")
        },
        "median_cached_us": statistics.median(
            [r["ours"]["cached_us"] for r in rows if "cached_us" in r["ours"]] or [0.0]
        ),
        "bench": {p: bench[p] for p in ("ours", "apollo", "hive")},
    }
    timed = [r["ours"] for r in rows if "parse_ms" in r["ours"]]
    total = sum(o["warm_ms"] for o in timed) or 1.0
    summary["ours_phase_shares"] = {
        "parse": sum(o["parse_ms"] for o in timed) / total,
        "validate": sum(o["validate_ms"] for o in timed) / total,
    }
    fetch_rows = [r for r in rows if all("fetches" in r[p] for p in ("ours", "apollo", "hive"))]
    summary["fetches"] = {
        "operations": len(fetch_rows),
        "total": {p: sum(r[p]["fetches"] for r in fetch_rows) for p in ("ours", "apollo", "hive")},
        "ours_fewer_than_apollo": sum(
            r["ours"]["fetches"] < r["apollo"]["fetches"] for r in fetch_rows
        ),
        "ours_more_than_apollo": sum(
            r["ours"]["fetches"] > r["apollo"]["fetches"] for r in fetch_rows
        ),
        "ours_more_than_hive": sum(r["ours"]["fetches"] > r["hive"]["fetches"] for r in fetch_rows),
        "ours_fewer_than_hive": sum(
            r["ours"]["fetches"] < r["hive"]["fetches"] for r in fetch_rows
        ),
    }
    for peer in ("apollo", "hive"):
        listed = [
            r
            for r in rows
            if r.get(f"{peer}_reference_fetches") is not None and "fetches" in r[peer]
        ]
        summary["fetches"][f"{peer}_matches_reference"] = [
            sum(r[peer]["fetches"] == r[f"{peer}_reference_fetches"] for r in listed),
            len(listed),
        ]
        ours_listed = [r for r in listed if "fetches" in r["ours"]]
        summary["fetches"][f"ours_vs_{peer}_reference"] = {
            "fewer": sum(
                r["ours"]["fetches"] < r[f"{peer}_reference_fetches"] for r in ours_listed
            ),
            "same": sum(
                r["ours"]["fetches"] == r[f"{peer}_reference_fetches"] for r in ours_listed
            ),
            "more": sum(r["ours"]["fetches"] > r[f"{peer}_reference_fetches"] for r in ours_listed),
        }
    summary["stress"] = [
        {
            "name": r.get("name"),
            "chars": r.get("chars"),
            **{f"{p}_ms": r[p].get("warm_ms") for p in ("ours", "apollo", "hive")},
            **{f"{p}_error": r[p].get("error") for p in ("ours", "apollo", "hive")},
            **{f"{p}_fetches": r[p].get("fetches") for p in ("ours", "apollo", "hive")},
            "memory": (memory or {}).get(r.get("name") or "", {}),
        }
        for r in all_rows
        if r["suite"] == STRESS
    ]
    return summary


def save(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
