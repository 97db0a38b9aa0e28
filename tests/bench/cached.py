"""The caches under load (``make bench-cache``; ``router-cached`` and ``router-entities``
also join ``make bench-compare``).

Three configurations of our router over the bench subgraphs, one after the other:
``router`` (no cache), ``router-entities`` (``cache.entities: true``: the entity cache
only) and ``router-cached`` (``cache.enabled: true``: the response cache, memory
backend). Each runs two workloads: the heavy query (k6 ``compare``: the same document
every time, so a warm response cache answers all of it), and a varied workload (k6
``varied``: ``VARIANTS`` documents, each the heavy query with different fields, over the
same users, reviews and products; the response cache keeps one entry per document,
the entity cache shares entities between them). k6 checks every response against
the first answer to the same document. Settings: BENCH_VUS (50), BENCH_DURATION (30s),
BENCH_WARMUP (10s), BENCH_CACHE_GATEWAYS (router,router-entities,router-cached);
results in results/cache.json.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

from tests.bench import env, k6run
from tests.bench.gateways import GATEWAYS, Gateway
from tests.bench.processes import BenchError, free_port, running

DIR = env.RESULTS / "cache"
CONFIGS = {
    "router-cached": "cache:\n  enabled: true\n  default_ttl_s: 300\n",
    "router-entities": "cache:\n  entities: true\n  default_ttl_s: 300\n",
}
"""router.yaml per cached configuration (the bench data never changes: a long TTL)."""

DROPPED = (
    (),
    ("inStock",),
    ("price",),
    ("shippingEstimate",),
    ("weight",),
    ("username",),
    ("name\n",),
    ("inStock", "weight"),
)
"""The varied workload: the heavy query without these fragment fields, one document each."""


def prepare(gateway: Gateway) -> Gateway:
    """The gateway with its router.yaml written (cached configurations only)."""
    text = CONFIGS.get(gateway.name)
    if text is None:
        return gateway
    DIR.mkdir(parents=True, exist_ok=True)
    config = DIR / f"{gateway.name}.yaml"
    config.write_text(text)
    return dataclasses.replace(gateway, config=config)


def variants() -> list[str]:
    """The varied workload's documents (each a valid variant of the heavy query)."""
    base = env.BENCH_QUERY.read_text()
    out = []
    for dropped in DROPPED:
        text = base
        for name in dropped:
            field = name if name.endswith("\n") else name + "\n"
            lines = text.splitlines(keepends=True)
            # drop the first occurrence inside a fragment body (the fragments come first)
            for index, line in enumerate(lines):
                if line.strip() + "\n" == field and index < 25:
                    del lines[index]
                    break
            text = "".join(lines)
        out.append(text)
    return out


def _measure(gateway: Gateway, sg_port: int, opts: dict[str, Any], queries: Path) -> dict[str, Any]:
    from tests.bench.compare import post

    supergraph = env.bench_supergraph(sg_port)
    port = free_port()
    child = gateway.start(supergraph, port)
    row: dict[str, Any] = {"gateway": gateway.name, "label": gateway.label}
    with running([child]):
        url = gateway.url(port)
        _, first = post(url, {"query": env.BENCH_QUERY.read_text()})
        if first.get("errors") or not first.get("data"):
            raise BenchError(f"{gateway.name}: first response not clean: {str(first)[:500]}")
        base = {"URL": url, "VUS": str(opts["vus"]), "QUERIES_FILE": str(queries)}
        for workload, script in (("heavy", "compare"), ("varied", "varied")):
            print(f"bench: {gateway.name} {workload} warm-up {opts['warmup']}", flush=True)
            k6run.run(script, {**base, "DURATION": opts["warmup"]}, DIR / "warmup.json")
            print(f"bench: {gateway.name} {workload} {opts['duration']}", flush=True)
            figures = k6run.run(
                script,
                {**base, "DURATION": opts["duration"]},
                DIR / f"{gateway.name}-{workload}.json",
            )
            row[workload] = figures
    return row


def run() -> dict[str, Any]:
    from tests.bench.compare import start_subgraphs

    opts = {
        "vus": int(os.environ.get("BENCH_VUS", "50")),
        "duration": os.environ.get("BENCH_DURATION", "30s"),
        "warmup": os.environ.get("BENCH_WARMUP", "10s"),
        "gateways": os.environ.get(
            "BENCH_CACHE_GATEWAYS", "router,router-entities,router-cached"
        ).split(","),
    }
    DIR.mkdir(parents=True, exist_ok=True)
    queries = DIR / "varied-queries.json"
    queries.write_text(json.dumps(variants()))
    sg_child, sg_port = start_subgraphs()
    rows: dict[str, dict[str, Any]] = {}
    with running([sg_child]):
        for name in opts["gateways"]:
            if name not in GATEWAYS:
                raise BenchError(f"unknown gateway {name}; known: {sorted(GATEWAYS)}")
            rows[name] = _measure(prepare(GATEWAYS[name]), sg_port, opts, queries)
    ratios: dict[str, Any] = {}
    plain = rows.get("router")
    for name, row in rows.items():
        if plain is None or name == "router":
            continue
        ratios[name] = {
            workload: row[workload]["rps"] / plain[workload]["rps"]
            for workload in ("heavy", "varied")
            if plain[workload]["rps"]
        }
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "settings": opts,
        "variants": len(DROPPED),
        "rows": list(rows.values()),
        "rps_vs_router": ratios,
    }
    out = env.RESULTS / "cache.json"
    out.write_text(json.dumps(result, indent=1))
    for row in rows.values():
        print(
            f"{row['gateway']:16} heavy {row['heavy']['rps']:8.1f} rps "
            f"(p99 {row['heavy']['p99_ms']:.1f} ms, bad {row['heavy']['bad_responses']})   "
            f"varied {row['varied']['rps']:8.1f} rps "
            f"(p99 {row['varied']['p99_ms']:.1f} ms, bad {row['varied']['bad_responses']})",
            flush=True,
        )
    print(f"bench: rps vs router: {json.dumps(ratios)}; wrote {out}", flush=True)
    return result
