"""Peak memory of planning one huge operation, ours and the peers', measured the same
way (Linux): a fresh process loads the bench supergraph, resets the kernel's peak-RSS
mark (``/proc/self/clear_refs``), plans the operation once, and reports its RSS after
loading and its peak RSS while planning; the difference is what planning took.

    python -m tests.bench.plan_memory SUPERGRAPH QUERY   (ours; prints JSON)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bench import env


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _ours(supergraph: Path, query: Path) -> None:
    from planner import QueryPlanner, Supergraph

    sg = Supergraph.parse(supergraph.read_text())
    sg.api_schema  # noqa: B018 - loading includes the API schema, as for the peers
    text = query.read_text()
    error = None
    loaded = _status("VmRSS:")
    Path("/proc/self/clear_refs").write_text("5")
    try:
        QueryPlanner(sg).plan(text)
    except Exception as exc:  # a planner failure is a result
        error = str(exc)[:200]
    print(json.dumps({"loaded_kib": loaded, "peak_kib": _status("VmHWM:"), "error": error}))


def _run(planner: str, supergraph: Path, query: Path) -> dict[str, Any]:
    if planner == "ours":
        command = [sys.executable, "-m", "tests.bench.plan_memory", str(supergraph), str(query)]
        cwd = env.DOCS.parent
    else:
        command = [env.node(), str(env.PEERS / "plan-memory.mjs"), planner, str(supergraph)]
        command.append(str(query))
        cwd = env.PEERS
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        return {"error": done.stderr[-300:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(queries: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per operation and planner: RSS after loading, peak while planning (KiB)."""
    env.RESULTS.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict[str, Any]] = {}
    for name, query in queries.items():
        path = env.RESULTS / f"stress-{name}.graphql"
        path.write_text(query)
        out[name] = {p: _run(p, env.BENCH_SUPERGRAPH, path) for p in ("ours", "apollo", "hive")}
    return out


if __name__ == "__main__":
    _ours(Path(sys.argv[1]), Path(sys.argv[2]))
