"""``gateway serve`` as real processes writing usage and audit to a real PostgreSQL:
10,000 requests over two workers are 10,000 in ``usage_stats``, and SIGTERM with
full buffers (no timed flush due) writes every row before the process exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.processes import report_by_worker, wait_ready, wait_workers
from tests.support import free_port
from tests.usage.harness import QUERY, sql, total_requests

TOTAL = 10_000
CLIENTS = 8


def _config(path: Path, database: str, supergraph: Path, extra: str = "") -> Path:
    path.write_text(
        f"supergraph: {{path: {supergraph}}}\n"
        f"usage: {{enabled: true, database_url: '{database}', maintenance_interval_s: 0}}\n"
        f"audit: {{enabled: true, database_url: '{database}'}}\n{extra}"
    )
    return path


def _serve(config: Path, port: int, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "router.cli",
            "serve",
            "--config",
            str(config),
            "--port",
            str(port),
            *args,
        ],
        env={**os.environ, "GATEWAY_LOG_LEVEL": "warning", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _send(url: str, count: int, headers: dict[str, str] | None = None) -> int:
    ok = 0
    with httpx.Client(base_url=url, timeout=30, headers=headers) as http:
        for _ in range(count):
            if http.post("/graphql", json={"query": QUERY}).status_code == 200:
                ok += 1
    return ok


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
def test_ten_thousand_requests_over_two_workers_are_ten_thousand_rows(
    database: str, supergraph: Path, tmp_path: Path
) -> None:
    sql(database, "TRUNCATE usage_stats, usage_operations, flush_batches")
    port = free_port()
    config = _config(tmp_path / "router.yaml", database, supergraph)
    process = _serve(config, port, "--workers", "2", env={"USAGE_FLUSH_INTERVAL_MS": "300"})
    try:
        workers = wait_workers(process, 2)
        wait_ready(port, process)
        url = f"http://127.0.0.1:{port}"
        assert set(report_by_worker(url, workers, "pid")) == workers  # both serve
        with ThreadPoolExecutor(CLIENTS) as pool:
            sent = sum(pool.map(lambda _: _send(url, TOTAL // CLIENTS), range(CLIENTS)))
        assert sent == TOTAL
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert total_requests(database) == TOTAL
    # one client and operation: one row per hour (two if an hour turned meanwhile)
    assert sql(database, "SELECT COUNT(*) <= 2 FROM usage_stats") == [(True,)]


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
def test_sigterm_flushes_full_buffers(database: str, supergraph: Path, tmp_path: Path) -> None:
    """Nothing is due (a 10-minute interval, caps far away): only the stop hook writes."""
    sql(database, "TRUNCATE usage_stats, usage_operations, audit_logs, flush_batches")
    port = free_port()
    extra = "auth: {api_keys: {enabled: true, database_url: '" + database + "'}}\n"
    config = _config(tmp_path / "router.yaml", database, supergraph, extra)
    env = {
        "USAGE_FLUSH_INTERVAL_MS": "600000",
        "USAGE_BUFFER_MAX_KEYS": "100000",
        "AUDIT_FLUSH_INTERVAL_MS": "600000",
        "AUDIT_BUFFER_MAX": "100000",
        "START_API_KEY_USAGE_WORKER": "0",
    }
    process = _serve(config, port, env=env)
    try:
        wait_ready(port, process)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=30) as http:
            for i in range(600):
                response = http.post(
                    "/graphql", json={"query": QUERY}, headers={"x-client-name": f"client-{i}"}
                )
                assert response.status_code == 200
            for _ in range(250):  # refused keys: one audit entry each
                response = http.post(
                    "/graphql", json={"query": QUERY}, headers={"x-api-key": "gk_nope"}
                )
                assert response.status_code == 401
        assert total_requests(database) == 0  # still in memory
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert total_requests(database) == 850
    assert sql(
        database, "SELECT COUNT(DISTINCT client) FROM usage_stats WHERE client LIKE 'client-%'"
    ) == [(600,)]
    assert sql(database, "SELECT COUNT(*) FROM audit_logs WHERE action = 'auth.failure'") == [
        (250,)
    ]
