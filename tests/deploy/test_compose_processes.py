"""docker-compose.yml's own commands, run as plain processes (no Docker here).

Every service built from this repository is started with the exact ``command`` and
``environment`` of the compose file; only what a container network would provide is
translated: service host names become 127.0.0.1 on free ports (the compose ports
would collide with other runs), the PostgreSQL URLs point at throwaway databases on
the local server, the MongoDB URL at an embedded SecantusDB, mounted files at their
paths in the repository, and ``EVENTS_NAMESPACE`` keeps the events of this run apart
on the shared NATS. Readiness is decided by each service's own compose healthcheck
command. The gateway runs three times over ONE PostgreSQL registry with the real
Redis (rate-limit counters) and NATS.

Then a service is added through one replica's admin API while clients query all
three replicas: every replica serves the new field through the registry sync (well
before the SDL poller could have run), and no client request fails.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml

from subgraphs.embedded_mongo import EmbeddedMongo
from tests.deploy.manifests import DEPLOY_DIR, built_here, compose, environment
from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec
from tests.support import REPO_ROOT, free_port, require_server

PG = "postgres@127.0.0.1:5432"
QUERY = '{ records(first: 2) { nodes { sku } } categoryBySlug(slug: "none") { slug } }'
NEW_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { deployNote: String }
"""
REPLICAS = 3


def _pg(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(f"postgresql://{PG}/test")
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


class Stack:
    """The compose services as processes, translated as the module doc says."""

    def __init__(self, tmp: Path, mongo_uri: str) -> None:
        self.tmp = tmp
        self.services: dict[str, Any] = compose()["services"]
        self.ports: dict[str, int] = {}
        self.databases: dict[str, str] = {}
        self.mongo_uri = mongo_uri
        self.namespace = f"deploy{uuid.uuid4().hex[:8]}"
        self.processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    # --- translation ----------------------------------------------------------------

    def _url(self, value: str) -> str:
        parts = urlsplit(value)
        host = parts.hostname
        if parts.scheme.startswith("postgres"):
            compose_db = parts.path.lstrip("/")
            if compose_db not in self.databases:
                self.databases[compose_db] = f"deploy_{compose_db}_{uuid.uuid4().hex[:8]}"
                _pg(f'CREATE DATABASE "{self.databases[compose_db]}"')
            return urlunsplit((parts.scheme, PG, "/" + self.databases[compose_db], "", ""))
        if parts.scheme == "mongodb":
            return self.mongo_uri
        if host in ("redis", "nats"):
            return urlunsplit((parts.scheme, f"127.0.0.1:{parts.port}", parts.path, "", ""))
        if host in self.services:
            port = self.ports[host]
            return urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, "", ""))
        return value

    def env(self, name: str, port: int | None) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in environment(self.services[name]).items():
            if key in ("PORT", "GATEWAY_PORT"):
                assert port is not None
                value = str(port)
            elif key in ("HOST", "GATEWAY_HOST"):
                value = "127.0.0.1"
            elif "://" in value:
                value = ",".join(
                    (f"{item.split('=', 1)[0]}={self._url(item.split('=', 1)[1])}")
                    if "=" in item.split("://")[0]
                    else self._url(item)
                    for item in value.split(",")
                )
            out[key] = value
        out["EVENTS_NAMESPACE"] = self.namespace
        return out

    def command(self, name: str, argv: list[str]) -> list[str]:
        """The command with each mounted path replaced by the file in the repository."""
        mounts = {}
        for volume in self.services[name].get("volumes", []):
            source, target = str(volume).split(":")[:2]
            if source.startswith("."):
                mounts[target] = str(REPO_ROOT / source)
        out = []
        for word in argv:
            for target, source in mounts.items():
                word = word.replace(target, source)
            out.append(word)
        return out

    def _listen_port(self, name: str) -> int | None:
        env = environment(self.services[name])
        return free_port() if ("PORT" in env or "GATEWAY_PORT" in env) else None

    # --- processes ------------------------------------------------------------------

    def start(self, name: str, label: str | None = None) -> tuple[int | None, dict[str, str]]:
        """Start one replica of a compose service; (its port, its environment)."""
        label = label or name
        port = self._listen_port(name)
        if port is not None and label == name:
            self.ports[name] = port
        env = self.env(name, port)
        bindir = str(Path(sys.executable).parent)
        full_env = {
            **{k: v for k, v in os.environ.items() if k not in _ISOLATED},
            **env,
            "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONUNBUFFERED": "1",
        }
        log = self.tmp / f"{label}.log"
        workdir = self.tmp / label
        workdir.mkdir()
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.command(name, self.services[name]["command"]),
                cwd=workdir,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((label, process, log))
        return port, full_env

    def wait_healthy(self, name: str, port: int | None, env: dict[str, str], label: str) -> None:
        """Until the service's own compose healthcheck command succeeds."""
        test = self.services[name]["healthcheck"]["test"]
        assert test[0] == "CMD"
        argv = [word.replace(f":{self._compose_port(name)}/", f":{port}/") for word in test[1:]]
        process = next(p for lbl, p, _ in self.processes if lbl == label)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{label} exited:\n{self.log(label)}"
            check = subprocess.run(argv, env=env, capture_output=True, timeout=10)
            if check.returncode == 0:
                return
            time.sleep(0.3)
        pytest.fail(f"{label} not healthy:\n{self.log(label)}")

    def _compose_port(self, name: str) -> str:
        env = environment(self.services[name])
        return env.get("GATEWAY_PORT") or env["PORT"]

    def log(self, label: str) -> str:
        path = next(p for lbl, _, p in self.processes if lbl == label)
        return path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        for _, process, _ in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, _ in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        for database in self.databases.values():
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


_ISOLATED = {
    "DATABASE_URL",
    "MONGODB_URI",
    "NATS_URL",
    "REDIS_URL",
    "GATEWAY_SUPERGRAPH",
    "GATEWAY_SERVICES",
    "GATEWAY_ADMIN_TOKEN",
    "EVENTS_NAMESPACE",
}
"""Variables of this shell that must not leak into the services (compose sets its own)."""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    require_server("127.0.0.1", 5432, "PostgreSQL")
    require_server("127.0.0.1", 6379, "Redis")
    require_server("127.0.0.1", 4222, "NATS")
    mongo = EmbeddedMongo(tmp_path / "mongo", port=free_port())
    uri = mongo.connect_or_start()
    running = Stack(tmp_path, uri)
    try:
        yield running
    finally:
        running.stop()
        mongo.stop()


def _client(url: str, stop: threading.Event, outcomes: list[tuple[int, str]]) -> None:
    """Query one replica until ``stop``; every answer that is not a clean 200 is kept."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            try:
                response = client.post("/graphql", json={"query": QUERY})
                body = response.json()
                ok = response.status_code == 200 and "errors" not in body
                outcomes.append((0 if ok else response.status_code, "" if ok else response.text))
            except httpx.HTTPError as exc:
                outcomes.append((-1, repr(exc)))
            time.sleep(0.02)  # a steady client, well under the per-address rate limit


def test_compose_commands_three_gateways_one_registry(stack: Stack, tmp_path: Path) -> None:
    services = stack.services
    ours = [name for name, s in services.items() if built_here(s)]
    assert {"gateway", "records-service", "categories-service"} <= set(ours)

    # Start in depends_on order, each once healthy by its own compose healthcheck.
    port, env = stack.start("categories-service")
    stack.wait_healthy("categories-service", port, env, "categories-service")
    port, env = stack.start("records-service")
    stack.wait_healthy("records-service", port, env, "records-service")
    for name in ours:
        if name not in ("gateway", "records-service", "categories-service"):
            stack.start(name)  # the event processors: no port, no healthcheck
    gateways: list[tuple[int, dict[str, str], str]] = []
    for index in range(REPLICAS):  # together, as a Deployment's pods start
        label = f"gateway-{index}"
        port, env = stack.start("gateway", label)
        assert port is not None
        gateways.append((port, env, label))
    for port, env, label in gateways:
        stack.wait_healthy("gateway", port, env, label)
    registries = {env["DATABASE_URL"] for _, env, _ in gateways}
    assert len(registries) == 1 and "/deploy_gateway_" in registries.pop()

    urls = [f"http://127.0.0.1:{port}" for port, _, _ in gateways]
    token = gateways[0][1]["GATEWAY_ADMIN_TOKEN"]
    assert token == "change-me"  # compose's ${GATEWAY_ADMIN_TOKEN:-change-me}
    auth = {"Authorization": f"Bearer {token}"}
    for url in urls:  # the bootstrap registered both subgraphs: they serve at once
        listed = httpx.get(f"{url}/admin/api/services", headers=auth, timeout=30).json()
        assert {s["name"] for s in listed["services"]} == {"records", "categories"}
        body = httpx.post(f"{url}/graphql", json={"query": QUERY}, timeout=30).json()
        assert body == {"data": {"records": {"nodes": []}, "categoryBySlug": None}}, body
    versions = {
        httpx.get(f"{u}/health/detailed", headers=auth, timeout=30).json()["registry"][
            "supergraphVersion"
        ]["hash"]
        for u in urls
    }
    assert len(versions) == 1, versions

    extra = Subgraphs()
    extra.start([SubgraphSpec("notes", NEW_SDL, root={"deployNote": "hello from notes"})])
    stop = threading.Event()
    outcomes: list[list[tuple[int, str]]] = [[] for _ in urls]
    clients = [
        threading.Thread(target=_client, args=(url, stop, outcomes[i]), daemon=True)
        for i, url in enumerate(urls)
    ]
    try:
        for thread in clients:
            thread.start()
        time.sleep(1.0)  # traffic before the change
        before = [len(o) for o in outcomes]
        added = httpx.post(
            f"{urls[0]}/admin/api/services",
            headers=auth,
            json={"name": "notes", "url": extra.urls["notes"]},
            timeout=30,
        )
        assert added.status_code == 201, added.text
        changed_at = time.monotonic()
        reached: dict[str, float] = {}
        poll_interval = yaml.safe_load((DEPLOY_DIR / "router.yaml").read_text())["registry"][
            "poll_interval_s"
        ]
        while len(reached) < len(urls) and time.monotonic() - changed_at < poll_interval:
            for url in urls:
                if url in reached:
                    continue
                answer = httpx.post(
                    f"{url}/graphql", json={"query": "{ deployNote }"}, timeout=30
                ).json()
                if answer.get("data") == {"deployNote": "hello from notes"}:
                    reached[url] = time.monotonic() - changed_at
            time.sleep(0.1)
        time.sleep(1.0)  # traffic after the change
    finally:
        stop.set()
        for thread in clients:
            thread.join(60)
        extra.stop()

    # Every replica serves the new service, through the registry sync: before any
    # replica's SDL poller (poll_interval_s) could have picked it up.
    assert set(reached) == set(urls), (reached, [stack.log(lbl) for _, _, lbl in gateways])
    print(f"service reached the replicas after {sorted(round(s, 2) for s in reached.values())} s")
    failures = [o for per in outcomes for o in per if o[0] != 0]
    assert failures == [], failures[:5]
    during = [len(o) - b for o, b in zip(outcomes, before, strict=True)]
    assert all(n > 0 for n in during), during  # every replica was queried during the change
    print(f"client requests per replica: {[len(o) for o in outcomes]}, 0 failed")
    # The rate-limit counters of all three replicas are in the real Redis (REDIS_URL),
    # and no replica failed to reach it.
    import redis

    limit = yaml.safe_load((DEPLOY_DIR / "router.yaml").read_text())["rate_limit"]["limit"]
    amount, _, per = limit.partition("/")
    redis_url = gateways[0][1]["REDIS_URL"]
    keys = list(
        redis.Redis.from_url(redis_url).scan_iter(match="LIMITS:LIMITER/limit/ip:127.0.0.1/*")
    )
    assert f"LIMITS:LIMITER/limit/ip:127.0.0.1/{amount}/1/{per}".encode() in keys, keys
    for url in urls:
        metrics = httpx.get(f"{url}/metrics", timeout=30).text
        errors = [
            line
            for line in metrics.splitlines()
            if line.startswith("gateway_rate_limit_backend_errors_total")
        ]
        assert errors in ([], ["gateway_rate_limit_backend_errors_total 0.0"]), errors
    for _, _, label in gateways:
        log = stack.log(label)
        assert "Traceback" not in log, log
    assert any("GATEWAY_SERVICES: added" in stack.log(lbl) for _, _, lbl in gateways)
    assert shlex.join(services["gateway"]["command"]).startswith("sh -c")
