"""A baseline revision of our router to measure against (``BENCH_BASELINE=<git rev>``).

The revision is checked out as a temporary detached ``git worktree`` outside the
repository (under the system temp dir) with its own virtualenv made from its own lock
file (``uv sync --frozen``), so its code and its dependencies are exactly that
revision's. It is served the same way as ``router`` (one worker, gateway core), and
the worktree is removed again when the comparison ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.bench.gateways import Gateway
from tests.bench.processes import BenchError
from tests.support import REPO_ROOT


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def _uv() -> str:
    """uv itself: ``uv run`` names it in $UV, else PATH's, else the user install."""
    for candidate in (os.environ.get("UV"), shutil.which("uv"), "~/.local/bin/uv"):
        if candidate and Path(candidate).expanduser().exists():
            return str(Path(candidate).expanduser())
    raise BenchError("uv not found: the baseline needs it to build its own virtualenv")


def _sync(checkout: Path) -> Path:
    """``uv sync --frozen`` in the checkout: its own .venv from its own uv.lock."""
    own_env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    done = subprocess.run(
        [_uv(), "sync", "--frozen", "--no-dev", "--quiet"],
        cwd=checkout,
        env=own_env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"uv sync in the baseline checkout failed: {done.stderr[-3000:]}")
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        raise BenchError(f"uv sync made no interpreter at {python}")
    return python


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Gateway]:
    """The router at ``rev`` as a Gateway, for as long as the context lasts."""
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    short = _git("rev-parse", "--short", sha)
    parent = Path(tempfile.mkdtemp(prefix=f"gateway-bench-{short}-"))
    path = parent / "checkout"
    print(f"bench: baseline {rev} = {sha[:12]}: worktree and uv sync ...", flush=True)
    _git("worktree", "add", "--detach", str(path), sha)
    try:
        python = _sync(path)
        yield Gateway(
            "baseline",
            f"ours @{short}",
            "/graphql",
            router=True,
            checkout=path,
            python=str(python),
        )
    finally:
        with contextlib.suppress(BenchError):
            _git("worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(BenchError):
            _git("worktree", "prune")
