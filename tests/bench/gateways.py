"""The gateways under comparison: how to start each over a supergraph file, and its URL.

Each runs as one process (one worker) so that, pinned to one core, they compete on
equal terms: our router (uvicorn, one worker), Apollo Gateway and Hive Gateway (Node).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests.bench import env
from tests.bench.processes import GATEWAY_CPUS, Child


@dataclass(frozen=True)
class Gateway:
    name: str
    label: str
    path: str

    def command(self, supergraph: Path, port: int) -> list[str]:
        if self.name == "router":
            return [
                sys.executable,
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
        return [env.node(), str(env.PEERS / f"{self.name}.mjs"), str(supergraph), str(port)]

    def start(self, supergraph: Path, port: int, cpus: str | None = GATEWAY_CPUS) -> Child:
        extra = {"NODE_ENV": "production"} if self.name != "router" else {}
        child = Child(
            self.name,
            self.command(supergraph, port),
            env.RESULTS / f"{self.name}.log",
            cpus=cpus,
            env=extra,
        )
        child.wait_port(port)
        return child

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.path}"


GATEWAYS = {
    g.name: g
    for g in (
        Gateway("router", "graphql-gateway (this router)", "/graphql"),
        Gateway("apollo-gateway", "Apollo Gateway", "/"),
        Gateway("hive-gateway", "Hive Gateway", "/graphql"),
    )
}
