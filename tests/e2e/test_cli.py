"""``gateway serve`` as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.suites import audit_supergraph
from tests.support import free_port, require_shared_data


def test_gateway_serve_subprocess(tmp_path: Path) -> None:
    require_shared_data()
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(audit_supergraph("simple-requires-provides"))
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": str(port), "GATEWAY_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(supergraph)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=5
        )
        assert response.json() == {"data": {"__typename": "Query"}}
    finally:
        process.terminate()
        process.wait(10)


def test_gateway_serve_rejects_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query {")
    result = subprocess.run(
        [sys.executable, "-m", "router.cli", "serve", "--supergraph", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "invalid supergraph" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GATEWAY_LOG_FORMAT", "xml"),
        ("GATEWAY_TRACES_EXPORTER", "zipkin"),
        ("GATEWAY_TRACE_SAMPLING_RATIO", "2"),
    ],
)
def test_gateway_serve_rejects_bad_telemetry_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    from router.cli import main

    monkeypatch.setenv(name, value)
    assert main(["serve", "--supergraph", str(tmp_path / "unused.graphql")]) == 2
