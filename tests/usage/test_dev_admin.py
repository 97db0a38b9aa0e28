"""``make dev-admin``'s configuration (deploy/dev-admin.yaml) as a real process: the
registry-mode router with the admin UI, usage and audit recording and the in-process
API-key usage consolidator, which drains the in-memory per-key counters into
``api_key_usage`` (at the latest on SIGTERM); START_API_KEY_USAGE_WORKER=0 keeps it off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.registry.harness import sqlite_url
from tests.support import REPO_ROOT, free_port
from tests.usage.harness import sql

CONFIG = REPO_ROOT / "deploy" / "dev-admin.yaml"
TOKEN = "dev-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _run(tmp_path: Path, worker: str) -> tuple[str, dict[str, object]]:
    url = sqlite_url(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GATEWAY_ENV")}
    port = free_port()
    env.update(
        DATABASE_URL=url,
        GATEWAY_ADMIN_TOKEN=TOKEN,
        GATEWAY_PORT=str(port),
        GATEWAY_LOG_LEVEL="warning",
        START_API_KEY_USAGE_WORKER=worker,
    )
    gateway = [sys.executable, "-m", "router.cli"]
    upgrade = subprocess.run(
        [*gateway, "db", "upgrade", "--config", str(CONFIG)], env=env, capture_output=True
    )
    assert upgrade.returncode == 0, upgrade.stderr.decode()
    process = subprocess.Popen(
        [*gateway, "serve", "--config", str(CONFIG)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_live(port, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert http.get("/admin").status_code == 200
            created = http.post("/admin/api/keys", json={"name": "dev"}, headers=AUTH)
            assert created.status_code == 201, created.text
            key = created.json()["key"]
            for _ in range(5):  # no supergraph yet (503), still counted for the key
                http.post("/graphql", json={"query": "{ __typename }"}, headers={"x-api-key": key})
            health = http.get("/health/detailed", headers=AUTH).json()
            usage = http.get("/admin/api/usage?by=key", headers=AUTH)
            assert usage.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    return url, health


def wait_live(port: int, process: subprocess.Popen[bytes]) -> None:
    """Registry mode with no service yet answers /health/ready 503: wait for /health/live."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("router did not start")


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
@pytest.mark.parametrize("worker", ["1", "0"])
def test_dev_admin_runs_the_consolidator_unless_disabled(tmp_path: Path, worker: str) -> None:
    url, health = _run(tmp_path, worker)
    assert sql(url, "SELECT SUM(requests) FROM usage_stats") == [(5,)]
    drained = sql(url, "SELECT COALESCE(SUM(requests), 0) FROM api_key_usage")[0][0]
    if worker == "1":
        assert "api_key_usage" in health["record_workers"]  # type: ignore[operator]
        assert drained == 5
    else:
        assert "api_key_usage" not in health.get("record_workers", {})  # type: ignore[operator]
        assert drained == 0
