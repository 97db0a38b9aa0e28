"""Two real records services behind one router (router.yaml ``subgraphs.records.urls``):
the load is spread over both; one is killed (SIGKILL) under load and no client request
fails; it is ejected, and when it comes back on its port the probes put it back in."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from router.app import create_app
from router.config.loader import load_settings
from subgraphs.devstack import SDL_QUERY, compose_supergraph
from tests.subgraphs.conftest import migrate
from tests.subgraphs.servers import serving
from tests.support import free_port

QUERY = "{ records(first: 5) { totalCount edges { node { sku name } } } }"
CLIENTS = 8


def _spawn(mongo_uri: str, database: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CATEGORIES_URL", "NATS_URL", "MONGODB_DATA_DIR"}
    }
    env.update(MONGODB_URI=mongo_uri, MONGODB_DB=database, PORT=str(port), HOST="127.0.0.1")
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "subgraphs.records"], env=env, stdout=out, stderr=out
        )


async def _wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(600):
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"records on {port} not healthy: {log.read_text()}")


async def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 10)


class Load:
    """``CLIENTS`` clients sending ``QUERY`` through the router until stopped."""

    def __init__(self, router_url: str, expected: dict[str, Any]) -> None:
        self.url = router_url + "/graphql"
        self.expected = expected
        self.ok = 0
        self.failed: list[str] = []
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._client()) for _ in range(CLIENTS)]

    async def _client(self) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            while not self.stopping.is_set():
                try:
                    response = await http.post(self.url, json={"query": QUERY})
                    body = response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    self.failed.append(repr(exc))
                    continue
                if response.status_code != 200 or body != self.expected:
                    self.failed.append(f"{response.status_code} {body}")
                else:
                    self.ok += 1

    async def until(self, count: int) -> None:
        """Wait until ``count`` more requests succeeded (or stop on the first failure)."""
        target = self.ok + count
        for _ in range(6000):
            if self.ok >= target or self.failed:
                return
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks)


async def _replicas(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    body = (await http.get("/health/detailed")).json()
    records = body["subgraphs"]["records"]
    # The subgraph is up while one replica answers; each replica is probed.
    assert records["reachable"] is any(r["reachable"] for r in records["replicas"])
    return list(records["replicas"])


async def test_one_of_two_records_services_killed_under_load(
    mongo_uri: str, mongo_db: Any, tmp_path: Path
) -> None:
    await migrate(mongo_db)
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}/graphql" for port in ports]
    logs = [tmp_path / f"records-{i}.log" for i in range(2)]
    processes = [
        _spawn(mongo_uri, mongo_db.name, port, log) for port, log in zip(ports, logs, strict=True)
    ]
    try:
        for process, port, log in zip(processes, ports, logs, strict=True):
            await _wait_healthy(process, port, log)
        async with httpx.AsyncClient(timeout=10) as http:
            created = await http.post(
                urls[0],
                json={
                    "query": "mutation($i: CreateRecordInput!) { createRecord(input: $i) { sku } }",
                    "variables": {
                        "i": {
                            "sku": "R-1",
                            "name": "One",
                            "price": {"amount": 1, "currency": "EUR"},
                        }
                    },
                },
            )
            assert created.json() == {"data": {"createRecord": {"sku": "R-1"}}}
            sdl = (await http.post(urls[0], json={"query": SDL_QUERY})).json()
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(
            compose_supergraph({"records": urls[0]}, {"records": sdl["data"]["_service"]["sdl"]})
        )
        config = tmp_path / "router.yaml"
        config.write_text(
            f"supergraph: {{path: {supergraph.name}}}\n"
            "health: {details_public: true}\n"
            "subgraphs:\n"
            "  all: {eject_after: 3, probe_interval_s: 0.2}\n"
            f"  records:\n    urls: [{urls[0]}, {urls[1]}]\n"
        )
        settings = load_settings(config, environ={})
        async with (
            serving(create_app(settings)) as router_url,
            httpx.AsyncClient(base_url=router_url, timeout=10) as http,
        ):
            expected = (await http.post("/graphql", json={"query": QUERY})).json()
            assert expected["data"]["records"]["totalCount"] == 1, expected
            load = Load(router_url, expected)
            load.start()
            try:
                await load.until(200)
                before = await _replicas(http)
                assert all(r["requests"] > 0 for r in before), before  # both served
                processes[1].send_signal(signal.SIGKILL)
                await asyncio.to_thread(processes[1].wait, 10)
                await load.until(300)
                during = await _replicas(http)
                assert [r["ejected"] for r in during] == [False, True], during
                assert [r["reachable"] for r in during] == [True, False], during
                # It comes back on its port: a probe lets it in again, under load.
                processes[1] = _spawn(mongo_uri, mongo_db.name, ports[1], logs[1])
                await _wait_healthy(processes[1], ports[1], logs[1])
                for _ in range(600):
                    after = await _replicas(http)
                    if not after[1]["ejected"]:
                        break
                    await asyncio.sleep(0.1)
                served_before = after[1]["requests"]
                await load.until(200)
            finally:
                await load.stop()
            after = await _replicas(http)
        assert load.failed == [], load.failed[:5]
        assert after[1]["ejected"] is False and after[1]["ejections"] == 1
        assert after[1]["requests"] > served_before  # back in rotation
    finally:
        for process in processes:
            await _stop(process)
