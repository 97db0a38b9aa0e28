"""Finding 6: a paused subgraph must not fail queries through stale pooled connections.

A real subgraph process (the categories service, on SQLite) is paused with SIGSTOP
while queries keep arriving, then resumed. Its keep-alive timers fire as it wakes,
closing pooled connections that already carry requests; every query must still
succeed (retried once on a fresh connection), since the pause is shorter than the
subgraph timeout.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from router.execution.subgraph_client import SubgraphClient
from tests.support import free_port


@pytest.fixture
def categories(tmp_path: Path) -> object:
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'categories.sqlite3'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "subgraphs.categories"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "categories subgraph exited at start"
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "categories subgraph did not start"
        time.sleep(0.1)
    yield process, url + "/graphql"
    os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    process.wait(10)


async def _query(client: SubgraphClient, url: str, n: int, failures: list[str]) -> None:
    # Distinct operation names: identical in-flight queries would share one request.
    response = await client.execute("categories", url, f"query N{n} {{ __typename }}", None)
    if response.failure is not None:
        failures.append(str(response.failure["message"]))
    else:
        assert response.data == {"__typename": "Query"}


async def test_paused_subgraph_fails_no_query(
    categories: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = categories
    # uvicorn (the subgraph) closes idle connections after 5 s; this pool keeps them
    # longer, so when the subgraph wakes up its timers close connections that were
    # idle when it was paused and have carried a request since.
    client = SubgraphClient(timeout=20, keepalive_s=30)
    failures: list[str] = []
    tasks: list[asyncio.Task[None]] = []

    async def burst(size: int) -> None:
        batch = [
            asyncio.create_task(_query(client, url, len(tasks) + i, failures)) for i in range(size)
        ]
        tasks.extend(batch)

    try:
        await burst(40)  # open 40 pooled connections
        await asyncio.gather(*tasks)
        for _ in range(2):
            await asyncio.sleep(0.5)  # the connections are idle: keep-alive timers armed
            os.kill(process.pid, signal.SIGSTOP)
            for _ in range(30):  # open-loop arrivals during the pause
                await burst(4)
                await asyncio.sleep(0.2)
            os.kill(process.pid, signal.SIGCONT)
            await asyncio.gather(*tasks)
    finally:
        os.kill(process.pid, signal.SIGCONT)
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()
    assert len(tasks) == 280
    assert failures == [], f"{len(failures)} of {len(tasks)} failed, e.g. {failures[:2]}"
