"""`gateway serve --config router.yaml` as a real process: the file's settings are
the ones served, and variables and options still win over them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.suites import audit_supergraph
from tests.support import free_port, require_shared_data

SHALLOW = "{ __typename }"
DEPTH_2 = "{ __schema { description } }"
DEPTH_3 = "{ __schema { queryType { name } } }"


@contextmanager
def _gateway(args: Sequence[str], env: dict[str, str], port: int) -> Iterator[str]:
    """``gateway serve ...`` until it answers /health on ``port``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                stderr = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"gateway exited {process.returncode}: {stderr}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _code(url: str, query: str) -> str | None:
    body = httpx.post(f"{url}/graphql", json={"query": query}, timeout=5).json()
    if "errors" not in body:
        return None
    return str(body["errors"][0]["extensions"]["code"])


def _setup(tmp_path: Path, config: str) -> Path:
    require_shared_data()
    (tmp_path / "graphs").mkdir()
    (tmp_path / "graphs" / "supergraph.graphql").write_text(
        audit_supergraph("simple-requires-provides")
    )
    path = tmp_path / "router.yaml"
    path.write_text(config)
    return path


def test_serve_uses_the_file(tmp_path: Path) -> None:
    port = free_port()
    config = _setup(
        tmp_path,
        "supergraph: {path: graphs/supergraph.graphql, reload: false}\n"
        "listen: {port: '${env.TEST_ROUTER_PORT}'}\n"
        "log_level: warning\n"
        "limits: {max_depth: 2}\n",
    )
    env = {"TEST_ROUTER_PORT": str(port), "GATEWAY_MAX_DEPTH": "", "GATEWAY_PORT": ""}
    with _gateway(["--config", str(config)], env, port) as url:
        assert _code(url, SHALLOW) is None
        assert _code(url, DEPTH_2) is None
        assert _code(url, DEPTH_3) == "MAX_DEPTH_EXCEEDED"


def test_variables_and_options_win_over_the_file(tmp_path: Path) -> None:
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    config = _setup(
        tmp_path,
        "supergraph: {path: graphs/supergraph.graphql, reload: false}\n"
        f"listen: {{port: {file_port}}}\n"
        "log_level: warning\n"
        "limits: {max_depth: 1}\n",
    )
    env = {"GATEWAY_PORT": str(env_port), "GATEWAY_MAX_DEPTH": "2"}
    with _gateway(["--config", str(config), "--port", str(flag_port)], env, flag_port) as url:
        assert _code(url, DEPTH_2) is None  # the variable's 2, not the file's 1
        assert _code(url, DEPTH_3) == "MAX_DEPTH_EXCEEDED"
        for port in (file_port, env_port):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                raise AssertionError(f"something answers on port {port}")
            except httpx.TransportError:
                pass
