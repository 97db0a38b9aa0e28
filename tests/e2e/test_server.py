"""``gateway serve`` as real processes: graceful shutdown and ``--workers``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import Subgraphs, point_supergraph
from tests.e2e.processes import report_by_worker, wait_ready, wait_workers, workers_of
from tests.e2e.suites import SUITES, audit_supergraph
from tests.support import free_port, require_shared_data

SUITE = "simple-requires-provides"
QUERY = {"query": "{ products { upc name } }"}
ANSWER = {
    "data": {"products": [{"upc": "p1", "name": "p-name-1"}, {"upc": "p2", "name": "p-name-2"}]}
}


def _supergraph_with_products_delay(
    tmp_path_factory: pytest.TempPathFactory, delay: float
) -> Iterator[Path]:
    require_shared_data()
    subgraphs = Subgraphs()
    specs = SUITES[SUITE]()
    for spec in specs:
        spec.delay = delay if spec.name == "products" else 0.0
    subgraphs.start(specs)
    path = tmp_path_factory.mktemp("server") / "supergraph.graphql"
    path.write_text(point_supergraph(audit_supergraph(SUITE), subgraphs.urls))
    try:
        yield path
    finally:
        subgraphs.stop()


@pytest.fixture(scope="module")
def slow_supergraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's subgraphs, with ``products`` answering after 1.5 s."""
    yield from _supergraph_with_products_delay(tmp_path_factory, 1.5)


@pytest.fixture(scope="module")
def quick_supergraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's subgraphs answering at once: ``/health/detailed`` probes every
    subgraph, so a slow one would make each report take 1.5 s, and a test that asks
    until the kernel has handed a connection to each worker would get ~13 tries."""
    yield from _supergraph_with_products_delay(tmp_path_factory, 0.0)


def _start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, "GATEWAY_LOG_LEVEL": "warning", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigterm_lets_a_slow_query_finish_then_stops_plugins(
    slow_supergraph: Path, tmp_path: Path
) -> None:
    port = free_port()
    stopped = tmp_path / "stopped"
    script = (
        "import sys\n"
        "from router.cli import serve\n"
        "from router.config.settings import PluginSpec, Settings\n"
        f"spec = PluginSpec('tests.e2e.plugins:StopRecorder', (('path', {str(stopped)!r}),))\n"
        f"settings = Settings(supergraph={str(slow_supergraph)!r}, port={port},\n"
        "                    log_level='warning', plugins=(spec,))\n"
        "sys.exit(serve(settings))\n"
    )
    process = _start(["-c", script])
    try:
        wait_ready(port, process)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(
                httpx.post, f"http://127.0.0.1:{port}/graphql", json=QUERY, timeout=10
            )
            time.sleep(0.5)  # the query now waits on the slow subgraph
            process.send_signal(signal.SIGTERM)
            response = slow.result(10)
            finished = time.time()
        assert response.status_code == 200
        assert response.json() == ANSWER
        assert process.wait(15) == 0
        # The plugin's stop hook ran, and only after the in-flight query was answered.
        assert float(stopped.read_text()) >= finished - 0.05
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def _wait_dead(pid: int) -> None:
    """Until ``pid`` is gone or a zombie (its sockets closed)."""
    deadline = time.monotonic() + 10
    stat = Path(f"/proc/{pid}/stat")
    while time.monotonic() < deadline:
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except OSError:
            return
        time.sleep(0.02)
    raise AssertionError(f"worker {pid} did not die")


def test_two_workers_survive_a_killed_worker(slow_supergraph: Path) -> None:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the worker processes")
    port = free_port()
    process = _start(
        ["-m", "router.cli", "serve", "--supergraph", str(slow_supergraph), "--workers", "2"],
        {"GATEWAY_PORT": str(port)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(port, process)
        workers = wait_workers(process)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait_dead(victim)  # a request sent while the kill lands could reach the victim
        # The other worker answers everything meanwhile.
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(3):
                response = client.post("/graphql", json=QUERY)
                assert response.status_code == 200
                assert response.json() == ANSWER
        # The supervisor replaces the dead worker.
        deadline = time.monotonic() + 90
        while True:
            workers = workers_of(process.pid)
            if len(workers) == 2 and victim not in workers:
                break
            assert time.monotonic() < deadline, f"worker not restarted: {workers}"
            time.sleep(0.2)
        assert process.poll() is None
        answered_by = set()
        deadline = time.monotonic() + 90
        while answered_by != workers and time.monotonic() < deadline:
            with httpx.Client(base_url=url, timeout=10) as client:  # new connection each time
                response = client.get("/health/detailed")
            answered_by.add(response.json()["pid"])
        assert answered_by == workers  # both serve, the new one included
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_hot_reload_reaches_every_worker(quick_supergraph: Path, tmp_path: Path) -> None:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the worker processes")
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(quick_supergraph.read_text())
    port = free_port()
    process = _start(
        ["-m", "router.cli", "serve", "--supergraph", str(supergraph), "--workers", "2"],
        {"GATEWAY_PORT": str(port), "GATEWAY_RELOAD_POLL_INTERVAL": "0.1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(port, process)
        workers = wait_workers(process)
        before = report_by_worker(url, workers)
        assert set(before) == workers and len(set(before.values())) == 1
        supergraph.write_text(
            supergraph.read_text().replace("  name: String @join__field(graph: PRODUCTS)\n", "")
        )
        deadline = time.monotonic() + 20
        while True:
            after = report_by_worker(url, workers)
            if set(after) == workers and not set(after.values()) & set(before.values()):
                break
            assert time.monotonic() < deadline, f"not every worker reloaded: {after}"
            time.sleep(0.2)
        assert len(set(after.values())) == 1  # both serve the same new schema
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
