"""Plan-time figures for our planner alone: the bench operation cold and cached,
and the total fetch count over every audit operation (with Apollo's and Hive's
counts from shared/plans for comparison).

    uv run python -m tests.bench.plan_figures
"""

from __future__ import annotations

import json
import statistics
import time

from planner import PlannerError, QueryPlanner, Supergraph
from tests.support import AUDIT_DIR, BENCH_DIR, SHARED_DIR, audit_suites


def _bench_operation_times(rounds: int = 30) -> tuple[float, float]:
    sdl = (BENCH_DIR / "supergraph.graphql").read_text()
    query = (BENCH_DIR / "query.graphql").read_text()
    supergraph = Supergraph.parse(sdl)
    supergraph.api_schema  # noqa: B018 - built once, like a running router does
    cold: list[float] = []
    for _ in range(rounds):
        planner = QueryPlanner(supergraph)
        start = time.perf_counter()
        planner.plan(query)
        cold.append(time.perf_counter() - start)
    planner = QueryPlanner(supergraph)
    planner.plan(query)
    start = time.perf_counter()
    for _ in range(10_000):
        planner.plan(query)
    cached = (time.perf_counter() - start) / 10_000
    return statistics.median(cold), cached


def _audit_fetch_counts() -> tuple[int, int, int, int]:
    apollo = json.loads((SHARED_DIR / "plans" / "apollo-plans.json").read_text())
    hive = json.loads((SHARED_DIR / "plans" / "hive-plans.json").read_text())
    ours = apollo_total = hive_total = planned = 0
    for suite in audit_suites():
        planner = QueryPlanner(
            Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text())
        )
        tests = json.loads((AUDIT_DIR / suite / "tests.json").read_text())
        for index, case in enumerate(tests):
            apollo_total += apollo[suite][index].get("fetches", 0)
            hive_total += hive[suite][index].get("fetches", 0)
            try:
                plan = planner.plan(case["query"], None, case.get("variables") or {})
            except PlannerError:
                continue
            planned += 1
            ours += plan.fetch_count
    return ours, apollo_total, hive_total, planned


def main() -> None:
    cold, cached = _bench_operation_times()
    ours, apollo, hive, planned = _audit_fetch_counts()
    print(f"bench operation: cold plan {cold * 1000:.2f} ms (median), cached {cached * 1e6:.2f} µs")
    print(f"audit operations planned: {planned}")
    print(f"audit fetch count: ours {ours}, Apollo {apollo}, Hive {hive}")


if __name__ == "__main__":
    main()
