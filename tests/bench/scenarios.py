"""The k6 load scenarios the product promises: smoke, ramp, mix, spike, soak.

smoke/ramp/spike/soak send the heavy bench operation to our router over the bench
subgraphs (router on the gateway core, k6 and subgraphs on the other). ``mix`` runs
the devstack (embedded MongoDB, records, categories, router) and sends a read/write
mix on the records subgraph through the router. Environment passed to k6 when set:
DURATION, RAMP_MAX_VU, VUS, WRITE_RATIO.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

from tests.bench import env, k6run
from tests.bench.compare import start_subgraphs
from tests.bench.gateways import GATEWAYS
from tests.bench.processes import GATEWAY_CPUS, Child, free_port, running

SCENARIOS = ("smoke", "ramp", "mix", "spike", "soak")
PASSED_ON = ("DURATION", "RAMP_MAX_VU", "VUS", "WRITE_RATIO")


def _k6_env(url: str) -> dict[str, str]:
    return {"URL": url, **{k: os.environ[k] for k in PASSED_ON if os.environ.get(k)}}


def run(name: str) -> dict[str, Any]:
    summary = env.RESULTS / f"scenario-{name}-k6.json"
    if name == "mix":
        figures = _mix(summary)
    else:
        sg_child, sg_port = start_subgraphs()
        with running([sg_child]):
            port = free_port()
            router = GATEWAYS["router"].start(env.bench_supergraph(sg_port), port)
            with running([router]):
                print(f"bench: scenario {name} against the router", flush=True)
                figures = k6run.run(name, _k6_env(GATEWAYS["router"].url(port)), summary)
                figures["router_peak_rss_mb"] = router.usage().peak_rss_mb
    chosen = {k: os.environ[k] for k in PASSED_ON if os.environ.get(k)}
    result = {"scenario": name, "settings": chosen, **figures}
    (env.RESULTS / f"scenario-{name}.json").write_text(json.dumps(result, indent=1))
    return result


def _mix(summary: Any) -> dict[str, Any]:
    data_dir = env.RESULTS / "devstack"
    shutil.rmtree(data_dir, ignore_errors=True)
    ports = {name: free_port() for name in ("router", "records", "categories")}
    command = [sys.executable, "-m", "subgraphs.devstack", "--data-dir", str(data_dir)]
    for name, port in ports.items():
        command += [f"--{name}-port", str(port)]
    # the devstack's own children inherit the pinning: everything on the gateway core
    stack = Child("devstack", command, env.RESULTS / "devstack.log", cpus=GATEWAY_CPUS)
    with running([stack]):
        stack.wait_port(ports["router"], timeout=180)
        print("bench: scenario mix against the devstack router", flush=True)
        return k6run.run("mix", _k6_env(f"http://127.0.0.1:{ports['router']}/graphql"), summary)
