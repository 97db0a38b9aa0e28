"""Registry mode with ``--workers 2``: a change made through one worker reaches the
other through the database (each worker polls and syncs on its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import Subgraphs
from tests.e2e.processes import report_by_worker, wait_ready, workers_of
from tests.registry.harness import AUTH, TOKEN, migrated_sqlite
from tests.support import free_port


def test_a_service_added_through_one_worker_reaches_both(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the worker processes")
    database_url = migrated_sqlite(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GATEWAY_ADMIN_TOKEN": TOKEN,
        "GATEWAY_PORT": str(port),
        "GATEWAY_SYNC_INTERVAL_S": "0.2",
        "GATEWAY_POLL_INTERVAL_S": "0",
        "GATEWAY_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:  # an empty registry is live but not ready
            try:
                if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert httpx.get(f"{url}/health/ready").status_code == 503
        while len(workers := workers_of(process.pid)) < 2:
            assert time.monotonic() < deadline, "2 workers did not start"
            time.sleep(0.1)
        added = httpx.post(
            f"{url}/admin/api/services",
            json={"name": "products", "url": subgraphs.urls["products"]},
            headers=AUTH,
            timeout=10,
        )
        assert added.status_code == 201, added.text
        wait_ready(port, process)
        deadline = time.monotonic() + 20
        while True:
            hashes = report_by_worker(url, workers)
            if set(hashes) == workers and None not in hashes.values():
                break
            assert time.monotonic() < deadline, f"a worker did not converge: {hashes}"
            time.sleep(0.2)
        assert len(set(hashes.values())) == 1
        for _ in range(4):  # both workers answer queries over the new graph
            with httpx.Client(base_url=url, timeout=10) as client:
                answer = client.post("/graphql", json={"query": "{ products { upc } }"}).json()
            assert answer == {"data": {"products": [{"upc": "1"}, {"upc": "2"}, {"upc": "3"}]}}
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
