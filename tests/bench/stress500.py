"""The heavy operation at 500 VUs (``make bench-stress``): p99 latency and errors of our
router and the Node peers, like graphql-gateways-benchmark's stress scenario (where
Apollo Router had failed requests). Each gateway on one core, as in the comparison.

Settings (env): BENCH_STRESS_VUS (500), BENCH_STRESS_DURATION (20s),
BENCH_STRESS_WARMUP (10s, at 50 VUs), BENCH_STRESS_GATEWAYS
(router,apollo-gateway,hive-gateway,hive-gateway-rqp). Results: stress500.json.
"""

from __future__ import annotations

import os
from typing import Any

from tests.bench import env, loadcase

RESULTS_NAME = "stress500.json"


def run(make_target: str = "bench-stress") -> dict[str, Any]:
    vus = int(os.environ.get("BENCH_STRESS_VUS", "500"))
    duration = os.environ.get("BENCH_STRESS_DURATION", "20s")
    warmup = (50, os.environ.get("BENCH_STRESS_WARMUP", "10s"))
    names = os.environ.get("BENCH_STRESS_GATEWAYS", loadcase.PEERS).split(",")
    result = loadcase.run(
        "stress500", env.BENCH_QUERY, names, [(vus, duration)], warmup, make_target
    )
    loadcase.save(result, env.RESULTS / RESULTS_NAME)
    return result
