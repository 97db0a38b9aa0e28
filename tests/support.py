"""Helpers shared by the test suites: where the shared data lives, and how a
test that needs a real server skips (locally) or fails (in CI) when it is absent."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
AUDIT_DIR = SHARED_DIR / "audit"
BENCH_DIR = REPO_ROOT / "tests" / "bench" / "assets"
"""The bench supergraph and operation, shipped in the repository (see its README)."""
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def audit_suites() -> list[str]:
    """Names of the federation-audit suites in shared/audit (empty if absent)."""
    if not AUDIT_DIR.is_dir():
        return []
    return sorted(p.name for p in AUDIT_DIR.iterdir() if (p / "supergraph.graphql").exists())


def require_shared_data() -> None:
    """Skip when shared/ is missing locally; in CI its absence is a failure."""
    if AUDIT_DIR.is_dir():
        return
    if IN_CI:
        pytest.fail(f"shared data not found at {SHARED_DIR}")
    pytest.skip("shared/ data (audit suites) not found beside the repository")


def require_server(host: str, port: int, what: str) -> None:
    """Skip (or fail in CI) when a real server is not reachable."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as exc:
        message = f"{what} not reachable at {host}:{port}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    """A free TCP port on loopback for a server started by a test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
