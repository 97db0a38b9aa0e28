"""Peak memory of planning one huge operation, ours and the peers', measured the same
way: a fresh process loads the bench supergraph and plans the operation once; its peak
RSS minus that of a process that only loads the supergraph is what planning took.

    python -m tests.bench.plan_memory ours SUPERGRAPH QUERY|-   (prints JSON)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bench import env


def _ours(supergraph: Path, query: str) -> None:
    from planner import QueryPlanner, Supergraph

    sg = Supergraph.parse(supergraph.read_text())
    sg.api_schema  # noqa: B018 - loading includes the API schema, as for the peers
    error = None
    if query != "-":
        try:
            QueryPlanner(sg).plan(Path(query).read_text())
        except Exception as exc:  # a planner failure is a result
            error = str(exc)[:200]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_kib": peak, "error": error}))


def _peak(planner: str, supergraph: Path, query: str) -> dict[str, Any]:
    if planner == "ours":
        command = [sys.executable, "-m", "tests.bench.plan_memory", "ours", str(supergraph), query]
    else:
        command = [env.node(), str(env.PEERS / "plan-memory.mjs"), planner, str(supergraph), query]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=env.PEERS.parent.parent.parent
    )
    if done.returncode != 0:
        return {"error": done.stderr[-300:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(queries: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per operation and planner: planning's peak RSS in KiB above the loaded baseline."""
    env.RESULTS.mkdir(parents=True, exist_ok=True)
    supergraph = env.BENCH_SUPERGRAPH
    baseline = {
        p: _peak(p, supergraph, "-").get("peak_rss_kib") for p in ("ours", "apollo", "hive")
    }
    out: dict[str, dict[str, Any]] = {}
    for name, query in queries.items():
        path = env.RESULTS / f"stress-{name}.graphql"
        path.write_text(query)
        out[name] = {}
        for planner in ("ours", "apollo", "hive"):
            found = _peak(planner, supergraph, str(path))
            peak, base = found.get("peak_rss_kib"), baseline.get(planner)
            out[name][planner] = {
                "peak_rss_kib": peak,
                "baseline_kib": base,
                "planning_kib": peak - base if peak is not None and base is not None else None,
                "error": found.get("error"),
            }
    return out


if __name__ == "__main__":
    _ours(Path(sys.argv[2]), sys.argv[3])
