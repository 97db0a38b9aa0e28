"""The gateways under comparison: how to start each over a supergraph file, and its URL.

The single-process gateways are pinned to one core so that they compete on equal
terms: our router (uvicorn, one worker), Apollo Gateway, Hive Gateway and Hive Gateway
on Hive Router's Rust query planner (Node; the last one checked in rqp.py).
``router-traced-0``/``-1`` are ``router`` with tracing on at sampling 0 and 1 (the
"tracing off costs nothing" check reads ``router`` against them). ``router-2w`` is our
router with ``--workers 2``, allowed both cores (the load
generator and the subgraphs still run on the second one). A baseline revision of our
router (``BENCH_BASELINE``, see baseline.py) is served the same way as ``router``,
from its own checkout and virtualenv.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench import env
from tests.bench.processes import GATEWAY_CPUS, LOAD_CPUS, BenchError, Child


def both_cores() -> str:
    """The gateway core and the load core, for a gateway allowed the whole machine."""
    cpus = [c for c in f"{GATEWAY_CPUS},{LOAD_CPUS}".split(",") if c]
    return ",".join(dict.fromkeys(cpus))


@dataclass(frozen=True)
class Gateway:
    name: str
    label: str
    path: str
    router: bool = False
    """Our router (``python -m router.cli serve``) rather than a Node peer."""
    workers: int = 1
    cpus: str = GATEWAY_CPUS
    checkout: Path | None = None
    """Where the router's code is (a baseline worktree); None: this checkout."""
    python: str = field(default=sys.executable)
    config: Path | None = None
    """A router.yaml for the router (``router-guarded``, ``router-usage``)."""
    api_key: str | None = None
    """Sent as ``x-api-key`` by the first request and by k6 (``API_KEY``)."""
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment of the gateway process (the traced variants' settings)."""
    config_file: str | None = None
    """A Node peer's config file (beside its script) whose loading its startup log must
    show, else the start fails: a CLI that skipped it would run a different gateway."""

    @property
    def short(self) -> str:
        """A label short enough for a plot's axis."""
        return self.label.split(" (")[0] if not self.router else self.label

    def command(self, supergraph: Path, port: int) -> list[str]:
        if self.router:
            command = [
                self.python,
                "-m",
                "router.cli",
                "serve",
                "--supergraph",
                str(supergraph),
                "--port",
                str(port),
                "--no-reload",
                "--log-level",
                "warning",
            ]
            if self.config is not None:
                command += ["--config", str(self.config)]
            return command + (["--workers", str(self.workers)] if self.workers > 1 else [])
        return [env.node(), str(env.PEERS / f"{self.name}.mjs"), str(supergraph), str(port)]

    def start(
        self, supergraph: Path, port: int, cpus: str | None = None, log: Path | None = None
    ) -> Child:
        extra = {} if self.router else {"NODE_ENV": "production"}
        extra.update(self.env)
        child = Child(
            self.name,
            self.command(supergraph, port),
            log or env.RESULTS / f"{self.name}.log",
            cpus=cpus or self.cpus,
            env=extra,
            cwd=self.checkout,
        )
        child.wait_port(port)
        if self.config_file:
            from tests.bench.rqp import config_loaded

            if not config_loaded(child.log.read_text(errors="replace"), self.config_file):
                child.stop()
                raise BenchError(f"{self.name}: its log does not show {self.config_file} loaded")
        return child

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.path}"


GATEWAYS = {
    g.name: g
    for g in (
        Gateway("router", "ours (1 worker)", "/graphql", router=True),
        Gateway(
            "router-2w", "ours (2 workers)", "/graphql", router=True, workers=2, cpus=both_cores()
        ),
        Gateway("router-guarded", "ours (API key + rate limit)", "/graphql", router=True),
        Gateway("router-usage", "ours (usage + audit recording)", "/graphql", router=True),
        # Tracing on: sampling 0 (spans are non-recording, traceparent still sent) and
        # 1 (every span recorded and exported over OTLP/HTTP to a sink; compare.py).
        Gateway(
            "router-traced-0",
            "ours (tracing on, sampling 0)",
            "/graphql",
            router=True,
            env=(("GATEWAY_TRACING", "true"), ("GATEWAY_TRACE_SAMPLING_RATIO", "0")),
        ),
        Gateway(
            "router-traced-1",
            "ours (tracing on, sampling 1)",
            "/graphql",
            router=True,
            env=(("GATEWAY_TRACING", "true"), ("GATEWAY_TRACE_SAMPLING_RATIO", "1")),
        ),
        Gateway("router-cached", "ours (response cache)", "/graphql", router=True),
        Gateway("router-entities", "ours (entity cache)", "/graphql", router=True),
        Gateway("apollo-gateway", "Apollo Gateway", "/"),
        Gateway("hive-gateway", "Hive Gateway", "/graphql"),
        Gateway(
            "hive-gateway-rqp",
            "Hive Gateway + Rust QP (@graphql-hive/router-runtime)",
            "/graphql",
            config_file="hive-gateway-rqp.config.mjs",
        ),
    )
}
