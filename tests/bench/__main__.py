"""``make bench`` = ``python -m tests.bench``: the peer comparison and the planner
benchmark, results as JSON in tests/bench/results and a table and plot in docs/.

Commands: ``all`` (default), ``compare``, ``planner``, ``report`` (re-render docs
from the saved JSON), ``install`` (npm install of the peers), ``scenario NAME``
(smoke | ramp | mix | spike | soak; ``make bench-NAME``), ``stress500`` (the heavy
operation at 500 VUs, ours and the peers: tests/bench/stress500.py; ``make bench-stress``),
``large`` (an 8 MB response: tests/bench/large.py; ``make bench-large``), ``cache`` (the response and entity caches: tests/bench/cached.py), ``hostile`` (``/health``
latency under hostile documents, RSS bounds: tests/bench/hostile.py), ``profile`` (py-spy
samples of the router under the comparison load). Settings: see compare.py,
planners.py and scenarios.py (BENCH_VUS, BENCH_DURATION, BENCH_WARMUP,
BENCH_GATEWAYS, BENCH_BASELINE, BENCH_REPEAT, PLAN_SUITES, DURATION, RAMP_MAX_VU,
BENCH_STRESS_* and BENCH_LARGE_* in stress500.py and large.py, ...).
"""

from __future__ import annotations

import argparse
import json
import sys

from tests.bench import env
from tests.bench.processes import BenchError
from tests.bench.scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="all",
        choices=[
            "all",
            "compare",
            "planner",
            "report",
            "install",
            "scenario",
            "profile",
            "reload",
            "hostile",
            "cache",
            "stress500",
            "large",
        ],
    )
    parser.add_argument("scenario", nargs="?", choices=SCENARIOS)
    parser.add_argument("--no-docs", action="store_true", help="write JSON only, leave docs/ alone")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from tests.bench import compare, planners, report, scenarios

    env.RESULTS.mkdir(parents=True, exist_ok=True)
    if args.command == "install":
        env.ensure_peers(force=True)
        return 0
    if args.command == "scenario":
        if not args.scenario:
            print(f"bench: scenario NAME, one of {', '.join(SCENARIOS)}", file=sys.stderr)
            return 2
        result = scenarios.run(args.scenario)
        if not args.no_docs:
            print(f"bench: wrote {report.write()}", flush=True)
        return 0 if result["bad_responses"] == 0 and result["k6_exit"] == 0 else 1
    if args.command == "cache":
        from tests.bench import cached

        cached.run()
        return 0
    if args.command == "hostile":
        from tests.bench import hostile

        figures = hostile.run()["health_under_hostile_load"]
        return 0 if figures["health_p99_ms"] < 50 else 1
    if args.command in ("all", "planner"):
        planners.save(planners.run(), env.RESULTS / "planner.json")
    if args.command in ("all", "reload"):
        from tests.bench import reload

        reload.run()
    if args.command in ("all", "compare"):
        result = compare.run("bench-compare" if args.command == "compare" else "bench")
        out = env.RESULTS / compare.results_name(result["settings"])
        out.write_text(json.dumps(result, indent=1))
        print(f"bench: wrote {out}", flush=True)
    if args.command in ("all", "stress500"):
        from tests.bench import stress500

        stress500.run("bench" if args.command == "all" else "bench-stress")
    if args.command in ("all", "large"):
        from tests.bench import large

        large.run("bench" if args.command == "all" else "bench-large")
    if args.command in ("all", "profile"):
        from tests.bench import profile

        try:
            profile.run()
        except BenchError as exc:  # py-spy needs ptrace rights; the rest stands without it
            print(f"bench: no profile: {exc}", file=sys.stderr)
    if not args.no_docs:
        print(f"bench: wrote {report.write()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
