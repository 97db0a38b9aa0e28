"""Latency across a supergraph reload, with and without plan warm-up (issue 17).

The router serves the bench supergraph (file mode, polled every 0.1 s) at a fixed
request rate (``RATE`` per second, open loop: a slow answer does not slow the
arrivals, as with real clients), cycling through ``OPERATIONS`` distinct variants of
the bench operation (so each is planned once, then served from the cache). Halfway
through, the supergraph file changes (a comment: a new hash, the same schema) and the
router swaps in a new state. Without warm-up every operation is then parsed,
validated and planned again on first use, all at once; with warm-up the new state goes
live with them prepared. Figures: p50/p99 over the whole run and over the two seconds
after the file changed, per mode. Environment: RELOAD_RATE, RELOAD_OPERATIONS,
RELOAD_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.bench import env
from tests.bench.compare import start_subgraphs
from tests.bench.processes import GATEWAY_CPUS, Child, free_port, running

RATE = float(os.environ.get("RELOAD_RATE", "30"))
OPERATIONS = int(os.environ.get("RELOAD_OPERATIONS", "100"))
SECONDS = float(os.environ.get("RELOAD_SECONDS", "8"))
AFTER_SWAP_S = 3.0

_VARIANT_FIELDS = ("name", "price", "weight", "inStock", "shippingEstimate", "upc")


def operations(count: int) -> list[str]:
    """`count` distinct operations shaped like the bench operation (same plan work)."""
    base = env.BENCH_QUERY.read_text()
    out = []
    for i in range(count):
        extra = " ".join(f"a{i}_{j}: {_VARIANT_FIELDS[j]}" for j in range(i % 5 + 1))
        out.append(
            base.replace(
                "fragment Product on Product {", "fragment Product on Product {" + f" {extra}", 1
            )
        )
    return out


def _router(supergraph: Path, port: int, warmup: int) -> Child:
    command = [
        sys.executable,
        "-m",
        "router.cli",
        "serve",
        "--supergraph",
        str(supergraph),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    settings = {
        "GATEWAY_RELOAD_POLL_INTERVAL": "0.1",
        "GATEWAY_PLAN_WARMUP_MAX_OPERATIONS": str(warmup),
        "GATEWAY_DOCUMENT_CACHE_SIZE": "1024",
    }
    child = Child(
        "router-reload", command, env.RESULTS / "router-reload.log", GATEWAY_CPUS, settings
    )
    child.wait_port(port)
    return child


async def _load(url: str, queries: list[str], supergraph: Path) -> dict[str, Any]:
    samples: list[tuple[float, float]] = []  # (start, seconds)
    bad = 0
    swapped_at: float | None = None
    async with aiohttp.ClientSession() as session:
        # Every operation once before the measured run: the old state has them cached.
        for query in queries:
            async with session.post(url, json={"query": query}) as response:
                await response.read()
        begin = time.perf_counter()

        async def one(query: str) -> None:
            nonlocal bad
            started = time.perf_counter()
            async with session.post(url, json={"query": query}) as response:
                body = await response.read()
                if response.status != 200 or b'"errors"' in body:
                    bad += 1
            samples.append((started, time.perf_counter() - started))

        async def arrivals() -> None:
            tasks = []
            for index in range(int(SECONDS * RATE)):
                await asyncio.sleep(max(0.0, begin + index / RATE - time.perf_counter()))
                tasks.append(asyncio.create_task(one(queries[index % len(queries)])))
            await asyncio.gather(*tasks)

        async def touch() -> None:
            nonlocal swapped_at
            await asyncio.sleep(SECONDS / 2)
            text = supergraph.read_text()
            supergraph.write_text(text + f"\n# reload at {time.time()}\n")
            swapped_at = time.perf_counter()

        await asyncio.gather(touch(), arrivals())
    assert swapped_at is not None

    def quantiles(values: list[float]) -> dict[str, float]:
        values = sorted(values)
        cut = (
            statistics.quantiles(values, n=100, method="inclusive")
            if len(values) > 1
            else values * 99
        )
        return {"p50_ms": cut[49] * 1000, "p99_ms": cut[98] * 1000, "max_ms": values[-1] * 1000}

    after = [s for t, s in samples if swapped_at <= t <= swapped_at + AFTER_SWAP_S]
    return {
        "requests": len(samples),
        "bad_responses": bad,
        "all": quantiles([s for _, s in samples]),
        "after_swap": quantiles(after) if after else None,
    }


def run() -> dict[str, Any]:
    queries = operations(OPERATIONS)
    result: dict[str, Any] = {"rate": RATE, "operations": OPERATIONS, "seconds": SECONDS}
    sg_child, sg_port = start_subgraphs()
    with running([sg_child]):
        for mode, warmup in (("without_warmup", 0), ("with_warmup", OPERATIONS)):
            supergraph = env.RESULTS / f"reload-supergraph-{mode}.graphql"
            supergraph.write_text(env.bench_supergraph(sg_port).read_text())
            port = free_port()
            router = _router(supergraph, port, warmup)
            with running([router]):
                print(f"bench: reload {mode.replace('_', ' ')}", flush=True)
                result[mode] = asyncio.run(
                    _load(f"http://127.0.0.1:{port}/graphql", queries, supergraph)
                )
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (env.RESULTS / "reload.json").write_text(json.dumps(result, indent=1))
    return result
