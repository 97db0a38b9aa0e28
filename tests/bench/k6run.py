"""Run one k6 script (pinned to the load core) and read its JSON summary, with the CPU
time k6 itself used (so a report can tell how much of the load core the generator took)."""

from __future__ import annotations

import json
import resource
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.bench import env
from tests.bench.processes import LOAD_CPUS, BenchError, pinned


def run(
    script: str, variables: dict[str, str], summary: Path, quiet: bool = True
) -> dict[str, Any]:
    """Run ``tests/bench/k6/<script>.js`` with ``-e`` variables; the summary's key figures."""
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.unlink(missing_ok=True)
    command = [env.k6(), "run", "--no-usage-report"]
    if quiet:
        command.append("-q")
    variables = {"QUERY_FILE": str(env.BENCH_QUERY), **variables, "SUMMARY_FILE": str(summary)}
    for key, value in variables.items():
        command += ["-e", f"{key}={value}"]
    command.append(str(env.K6_SCRIPTS / f"{script}.js"))
    # k6 is the only child reaped while it runs: the children's rusage delta is its CPU
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    done = subprocess.run(pinned(command, LOAD_CPUS), capture_output=True, text=True)
    wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    k6_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(done.stdout.strip(), flush=True)
    if not summary.exists():
        raise BenchError(
            f"k6 {script} wrote no summary (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    figures = figures_of(json.loads(summary.read_text()))
    figures["k6_exit"] = done.returncode
    figures["k6_cpu_pct"] = 100 * k6_cpu / wall if wall > 0 else 0.0
    return figures


def figures_of(summary: dict[str, Any]) -> dict[str, Any]:
    """RPS, latency percentiles (ms), request and bad-response counts from a summary."""
    metrics = summary["metrics"]
    duration = metrics["http_req_duration"]["values"]
    reqs = metrics["http_reqs"]["values"]
    bad = metrics.get("bad_responses", {}).get("values", {}).get("count", 0)
    failed = metrics.get("http_req_failed", {}).get("values", {}).get("passes", 0)
    return {
        "requests": int(reqs["count"]),
        "rps": float(reqs["rate"]),
        "p50_ms": float(duration["med"]),
        "p95_ms": float(duration["p(95)"]),
        "p99_ms": float(duration["p(99)"]),
        "avg_ms": float(duration["avg"]),
        "max_ms": float(duration["max"]),
        "bad_responses": int(bad),
        "http_failures": int(failed),
    }
