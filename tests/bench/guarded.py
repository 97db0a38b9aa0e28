"""``router-guarded``: our router with an API key checked and the rate limiter on, to
measure what identity and traffic control cost (issue 11 aims at <= 10% at 1 VU).

The set-up is what an operator does: a registry database migrated with
``gateway db upgrade``, one key made with ``gateway keys create``, and a router.yaml
turning on API keys and a rate limit by key (Redis when one answers on 127.0.0.1:6379,
as in production; else in-process memory). The limit is far above what the bench can
send, so every request does the whole check and none is refused.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.bench import env
from tests.bench.processes import BenchError

REDIS = ("127.0.0.1", 6379)
DIR = env.RESULTS / "guarded"


def redis_url() -> str | None:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return f"redis://{REDIS[0]}:{REDIS[1]}/0"
    except OSError:
        return None


def database_url() -> str:
    return f"sqlite+aiosqlite:///{DIR / 'registry.sqlite3'}"


def _gateway_cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "router.cli", *args],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise BenchError(f"gateway {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def prepare() -> tuple[Path, str]:
    """(router.yaml, the API key): a fresh database with one key, and the config."""
    DIR.mkdir(parents=True, exist_ok=True)
    (DIR / "registry.sqlite3").unlink(missing_ok=True)
    _gateway_cli("db", "upgrade")
    key = _gateway_cli("keys", "create", "--name", "bench").strip().splitlines()[-1]
    redis = redis_url()
    config = DIR / "router.yaml"
    config.write_text(
        "auth:\n"
        "  api_keys: {enabled: true, database_url: '" + database_url() + "'}\n"
        "rate_limit:\n"
        "  enabled: true\n"
        "  by: api_key\n"
        "  limit: 100000000/minute\n"
        f"  redis_url: {redis if redis else 'null'}\n"
    )
    return config, key
