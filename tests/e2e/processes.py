"""Finding and waiting for router processes in tests that start ``gateway serve``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx


def wait_ready(port: int, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("router did not become ready")


def workers_of(parent: int) -> set[int]:
    """Pids of the uvicorn worker processes (multiprocessing spawn children) of ``parent``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def report_by_worker(url: str, workers: set[int], field: str = "schemaHash") -> dict[int, object]:
    """What each worker reports in ``/health/detailed``, asking on new connections
    until every worker answered (the kernel spreads connections over the workers)."""
    seen: dict[int, object] = {}
    deadline = time.monotonic() + 20
    while set(seen) != workers and time.monotonic() < deadline:
        with httpx.Client(base_url=url, timeout=10) as client:
            body = client.get("/health/detailed").json()
        seen[body["pid"]] = body.get(field)
    return seen
