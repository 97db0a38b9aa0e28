"""``make bench-hostile``: is the router still responsive while hostile documents
are being answered, and is its memory bounded by bytes?

1. lexical scan growth: ``check_lexical_depth`` on adversarial text of 0.25-2 MB
   (in this process); linear means the time per MB stays flat.
2. ``/health`` latency under hostile load: HOSTILE_CLIENTS (10) clients send hostile
   documents back to back (the issue's findings: unterminated escaped quotes,
   900 ``__schema`` aliases, a 900-alias fan-out, a 3,000-fragment chain, deep
   nesting, large unique documents; unique text per request, so every one is cold)
   while one client times ``GET /health`` every 10 ms. Target: p99 < 50 ms.
3. router RSS after HOSTILE_INVALID_REPEATS (20,000) repeats of an invalid query,
   then after HOSTILE_LARGE_DOCS (1,000) unique 1 MB documents, against the default
   256 MiB document-cache budget.

Results: tests/bench/results/hostile.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.bench import env
from tests.bench.compare import start_subgraphs
from tests.bench.gateways import GATEWAYS
from tests.bench.processes import Child, free_port, running

MB = 1024 * 1024
CLIENTS = int(os.environ.get("HOSTILE_CLIENTS", "10"))
SECONDS = float(os.environ.get("HOSTILE_SECONDS", "20"))
INVALID_REPEATS = int(os.environ.get("HOSTILE_INVALID_REPEATS", "20000"))
LARGE_DOCS = int(os.environ.get("HOSTILE_LARGE_DOCS", "1000"))


def hostile_documents(n: int) -> list[str]:
    """The findings' documents, made unique by ``n`` (so none is served from cache)."""
    tag = f"# {n}\n"
    return [
        tag + "{" * 101 + '"' + '\\"' * 20_000,
        tag + "{" + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(900)) + "}",
        tag + "{" + " ".join(f"a{i}: topProducts {{ upc name }}" for i in range(900)) + "}",
        tag
        + "{ me { ...F0 } }\n"
        + "\n".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(3000))
        + "\nfragment F3000 on User { id }",
        tag + "{" + "a {" * 499 + "b" + "}" * 500,
        tag + "{ me { id } }" + " " * MB,
        tag + "{" + " ".join("topProducts { upc }" for _ in range(2500)) + "}",
    ]


def lexical_growth() -> dict[str, float]:
    from router.errors import RequestError
    from router.operation.limits import check_lexical_depth

    out = {}
    for size in (MB // 4, MB // 2, MB, 2 * MB):
        text = "{" * 101 + '"' + '\\"' * (size // 2)
        started = time.perf_counter()
        for _ in range(5):
            with contextlib.suppress(RequestError):
                check_lexical_depth(text, 100)
        out[f"{size / MB:g}MB_ms"] = round((time.perf_counter() - started) / 5 * 1000, 3)
    return out


async def _hostile_client(
    session: aiohttp.ClientSession, url: str, index: int, stop: asyncio.Event, seen: dict[int, int]
) -> None:
    n = index * 1_000_000
    while not stop.is_set():
        for query in hostile_documents(n):
            n += 1
            if stop.is_set():
                return
            async with session.post(url, json={"query": query}) as response:
                await response.read()
                seen[response.status] = seen.get(response.status, 0) + 1


async def _health_probe(
    session: aiohttp.ClientSession, url: str, stop: asyncio.Event
) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    return latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def health_under_load(base: str) -> dict[str, Any]:
    stop = asyncio.Event()
    seen: dict[int, int] = {}
    timeout = aiohttp.ClientTimeout(total=120)
    async with (
        aiohttp.ClientSession(timeout=timeout) as hostile,
        aiohttp.ClientSession(timeout=timeout) as probe,
    ):
        baseline_stop = asyncio.Event()
        baseline = asyncio.create_task(_health_probe(probe, base + "/health", baseline_stop))
        await asyncio.sleep(3)
        baseline_stop.set()
        idle = await baseline
        clients = [
            asyncio.create_task(_hostile_client(hostile, base + "/graphql", i, stop, seen))
            for i in range(CLIENTS)
        ]
        await asyncio.sleep(1)  # the hostile documents are in flight
        probing = asyncio.create_task(_health_probe(probe, base + "/health", stop))
        await asyncio.sleep(SECONDS)
        stop.set()
        loaded = await probing
        await asyncio.gather(*clients, return_exceptions=True)
    return {
        "hostile_clients": CLIENTS,
        "seconds": SECONDS,
        "idle_health_p50_ms": _percentile(idle, 0.5),
        "idle_health_p99_ms": _percentile(idle, 0.99),
        "health_samples": len(loaded),
        "health_p50_ms": _percentile(loaded, 0.5),
        "health_p99_ms": _percentile(loaded, 0.99),
        "health_max_ms": round(max(loaded), 2),
        "hostile_answers_by_status": {str(k): v for k, v in sorted(seen.items())},
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def memory(base: str, router: Child) -> dict[str, Any]:
    out: dict[str, Any] = {"rss_start_mb": round(_rss_mb(router.pid), 1)}
    async with aiohttp.ClientSession() as session:

        async def send(query: str) -> int:
            async with session.post(base + "/graphql", json={"query": query}) as response:
                await response.read()
                return response.status

        statuses = set()
        for _ in range(INVALID_REPEATS):
            statuses.add(await send("{ me { nope } }"))
        out["invalid_repeats"] = INVALID_REPEATS
        out["invalid_statuses"] = sorted(statuses)
        out["rss_after_invalid_mb"] = round(_rss_mb(router.pid), 1)
        statuses = set()
        for i in range(LARGE_DOCS):
            statuses.add(await send(f"{{ me {{ id }} }} # {i}\n" + " " * MB))
        out["large_docs"] = LARGE_DOCS
        out["large_statuses"] = sorted(statuses)
        out["rss_after_large_mb"] = round(_rss_mb(router.pid), 1)
    out["router_peak_rss_mb"] = round(router.usage().peak_rss_mb, 1)
    out["document_cache_budget_mb"] = 256
    return out


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"lexical_scan": lexical_growth()}
    print(f"bench: hostile lexical scan {result['lexical_scan']}", flush=True)
    sg_child, sg_port = start_subgraphs()
    with running([sg_child]):
        port = free_port()
        router = GATEWAYS["router"].start(env.bench_supergraph(sg_port), port)
        with running([router]):
            base = f"http://127.0.0.1:{port}"
            result["health_under_hostile_load"] = asyncio.run(health_under_load(base))
            print(f"bench: {result['health_under_hostile_load']}", flush=True)
            result["memory"] = asyncio.run(memory(base, router))
            print(f"bench: {result['memory']}", flush=True)
    (env.RESULTS / "hostile.json").write_text(json.dumps(result, indent=1))
    return result
