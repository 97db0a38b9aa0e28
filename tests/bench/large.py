"""A large response (``make bench-large``): ``tests/bench/assets/large.graphql`` lists
93,000 products (about 8 MB of JSON; ``allProducts`` of the products subgraph, each
product's ``inStock`` from the inventory subgraph in one entity fetch), like the
Grafbase benchmark's big-response case. Latency (p50/p99) at a few VU levels and each
gateway's peak RSS, ours and the Node peers, each gateway on one core.

Settings (env): BENCH_LARGE_VUS (1,10), BENCH_LARGE_DURATION (20s per level),
BENCH_LARGE_WARMUP (5s at 1 VU), BENCH_LARGE_GATEWAYS
(router,apollo-gateway,hive-gateway,hive-gateway-rqp). Results: large.json.
"""

from __future__ import annotations

import os
from typing import Any

from tests.bench import env, loadcase

RESULTS_NAME = "large.json"


def run(make_target: str = "bench-large") -> dict[str, Any]:
    levels_text = os.environ.get("BENCH_LARGE_VUS", "1,10")
    duration = os.environ.get("BENCH_LARGE_DURATION", "20s")
    levels = [(int(v), duration) for v in levels_text.split(",") if v.strip()]
    warmup = (1, os.environ.get("BENCH_LARGE_WARMUP", "5s"))
    names = os.environ.get("BENCH_LARGE_GATEWAYS", loadcase.PEERS).split(",")
    result = loadcase.run("large", env.BENCH_LARGE_QUERY, names, levels, warmup, make_target)
    loadcase.save(result, env.RESULTS / RESULTS_NAME)
    return result
