"""Where the router spends its time under the comparison load: py-spy samples the
router (pinned to the gateway core) while k6 runs the heavy operation against it.

Writes results/router-profile-<VUS>vu.txt (collapsed stacks; any flame-graph tool reads
them) and prints the top functions by own and by inclusive time. At 50 VUs concurrent
requests share subgraph fetches; at 1 VU every fetch is paid, so both are profiled.
Settings: PROFILE_VUS (50,1), PROFILE_SECONDS (20), PROFILE_GATEWAYS (router; with
BENCH_BASELINE=<rev> also ``baseline``, written as baseline-profile-<VUS>vu.txt, to see
what changed between the two revisions).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from tests.bench import env, k6run
from tests.bench.compare import start_subgraphs
from tests.bench.gateways import GATEWAYS, Gateway
from tests.bench.processes import BenchError, free_port, running


def py_spy() -> str:
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        raise BenchError("py-spy not found: `uv sync` installs it (dev group)")
    return found


def record(pid: int, seconds: int, out: Path, fmt: str) -> None:
    command = [py_spy(), "record", "--pid", str(pid), "--duration", str(seconds)]
    # --gil: only samples taken while the router holds the GIL, i.e. its CPU work; at
    # 1 VU the loop mostly waits on subgraphs, and idle samples would drown the rest
    command += ["--rate", "250", "--nonblocking", "--gil", "--format", fmt, "--output", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        raise BenchError(f"py-spy failed (exit {done.returncode}): {done.stderr[-2000:]}")


LINE = re.compile(r":\d+\)$")


def top(
    collapsed: Path, limit: int = 20
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(own, inclusive) shares of samples per function (lines merged) from collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [LINE.sub(")", f.strip()) for f in stack.split(";")]
        total += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    share = 100 / max(total, 1)
    return (
        [(f, n * share) for f, n in own.most_common(limit)],
        [(f, n * share) for f, n in inclusive.most_common(limit)],
    )


def shares(collapsed: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(own, inclusive) % of samples per function, named ``function (file.py)`` without
    the file's directory, so the same function matches across revisions that moved
    its module."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(LINE.sub(")", f.strip())) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    share = 100 / max(total, 1)
    return (
        {f: n * share for f, n in own.items()},
        {f: n * share for f, n in inclusive.items()},
    )


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1]}" if where else frame


def differences(
    ours: Path, theirs: Path, limit: int = 12
) -> list[tuple[str, float, float, float, float]]:
    """The functions whose own share of samples differs most between two profiles:
    (function, own ours, own theirs, inclusive ours, inclusive theirs), in %. Only
    functions both profiles have (a renamed one is no difference of cost) below the
    process's root frames (over 90% inclusive)."""
    own_a, inc_a = shares(ours)
    own_b, inc_b = shares(theirs)
    names = {n for n in set(inc_a) & set(inc_b) if max(inc_a[n], inc_b[n]) < 90}

    def moved(name: str) -> float:  # own time: the shares that add up to 100%
        return abs(own_a.get(name, 0) - own_b.get(name, 0))

    ranked = sorted(names, key=moved, reverse=True)[:limit]
    return [(n, own_a.get(n, 0), own_b.get(n, 0), inc_a.get(n, 0), inc_b.get(n, 0)) for n in ranked]


def by_package(collapsed: Path) -> list[tuple[str, float]]:
    """Share of own time per top-level package of the sampled leaf frame."""
    shares: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        leaf = stack.split(";")[-1]
        where = leaf[leaf.find("(") + 1 :].split(":")[0]
        shares[where.split("/")[0]] += int(count_text)
        total += int(count_text)
    return [(name, 100 * n / max(total, 1)) for name, n in shares.most_common(8)]


def run() -> list[Path]:
    vus_list = [v.strip() for v in os.environ.get("PROFILE_VUS", "50,1").split(",") if v.strip()]
    names = [n.strip() for n in os.environ.get("PROFILE_GATEWAYS", "router").split(",")]
    with contextlib.ExitStack() as stack:
        gateways = {name: GATEWAYS[name] for name in names if name in GATEWAYS}
        if "baseline" in names:
            rev = os.environ.get("BENCH_BASELINE")
            if not rev:
                raise BenchError("PROFILE_GATEWAYS=baseline needs BENCH_BASELINE=<git rev>")
            from tests.bench import baseline

            gateways["baseline"] = stack.enter_context(baseline.checkout(rev))
        if any(g.workers > 1 for g in gateways.values()):  # py-spy would see the supervisor
            raise BenchError("profile one-worker gateways only")
        unknown = [n for n in names if n not in gateways]
        if unknown:
            raise BenchError(f"unknown gateways to profile: {unknown}")
        return [run_one(vus, gateway) for vus in vus_list for gateway in gateways.values()]


def run_one(vus: str, gateway: Gateway) -> Path:
    seconds = int(os.environ.get("PROFILE_SECONDS", "20"))
    sg_child, sg_port = start_subgraphs()
    with running([sg_child]):
        port = free_port()
        router = gateway.start(env.bench_supergraph(sg_port), port)
        with running([router]):
            load_env = {"URL": gateway.url(port), "VUS": vus}
            k6run.run("compare", {**load_env, "DURATION": "5s"}, env.RESULTS / "warmup.json")
            load = threading.Thread(
                target=k6run.run,
                args=("compare", {**load_env, "DURATION": f"{seconds + 4}s"}),
                kwargs={"summary": env.RESULTS / "profile-load.json"},
            )
            load.start()
            collapsed = env.RESULTS / f"{gateway.name}-profile-{vus}vu.txt"
            record(router.pid, seconds, collapsed, "raw")
            load.join()
    own, inclusive = top(collapsed)
    print(f"{gateway.name} profile at {vus} VUs -> {collapsed}")
    print("own time (% of samples):")
    for frame, pct in own:
        print(f"  {pct:5.1f}  {frame}")
    print("inclusive time (% of samples):")
    for frame, pct in inclusive:
        print(f"  {pct:5.1f}  {frame}")
    return collapsed
