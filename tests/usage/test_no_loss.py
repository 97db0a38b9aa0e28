"""No loss and no double count when PostgreSQL goes away during flushes: the
connection cut by a proxy (port closed, then back), and backends killed with
``pg_terminate_backend`` while requests flow."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from router.config.records import UsageSettings
from tests.e2e.harness import RouterThread
from tests.registry.harness import PG_HOST, PG_PORT
from tests.usage.harness import (
    QUERY,
    sql,
    total_requests,
    wait_until,
)
from tests.usage.proxy import CuttableProxy


def _send(url: str, count: int, client: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as http:
        for i in range(count):
            response = http.post(
                "/graphql", json={"query": QUERY}, headers={"x-client-name": f"{client}-{i % 20}"}
            )
            assert response.status_code == 200


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
def test_a_cut_connection_loses_nothing(database: str, supergraph: Path) -> None:
    sql(database, "TRUNCATE usage_stats, usage_operations, flush_batches")
    proxy = CuttableProxy(PG_HOST, PG_PORT)
    proxy.start()
    through_proxy = database.replace(f":{PG_PORT}/", f":{proxy.port}/")
    router = RouterThread(
        supergraph,
        usage=UsageSettings(enabled=True, database_url=through_proxy, flush_interval_ms=100),
        log_level="critical",
    )
    try:
        usage = router.app.state.usage
        _send(router.url, 50, "before")
        wait_until(lambda: total_requests(database) == 50)
        proxy.cut()  # open pool connections reset, port closed
        _send(router.url, 200, "during")
        wait_until(lambda: usage.flusher.failures >= 2)
        assert total_requests(database) == 50
        proxy.start()
        wait_until(lambda: total_requests(database) == 250)
        wait_until(lambda: usage.flusher.size() == 0)
        time.sleep(0.5)  # further flushes (of nothing) must not add anything
        assert total_requests(database) == 250
    finally:
        router.stop()
        proxy.close()


@pytest.mark.timeout(600)  # real processes on a shared, loaded machine
def test_terminated_backends_lose_and_double_nothing(database: str, supergraph: Path) -> None:
    sql(database, "TRUNCATE usage_stats, usage_operations, flush_batches")
    name = database.rsplit("/", 1)[1]
    router = RouterThread(
        supergraph,
        usage=UsageSettings(enabled=True, database_url=database, flush_interval_ms=20),
        log_level="critical",
    )
    stop = threading.Event()
    killed = 0

    def terminate() -> None:
        nonlocal killed
        while not stop.is_set():
            rows = sql(
                database.rsplit("/", 1)[0] + "/test",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()",
                name=name,
            )
            killed += sum(1 for (done,) in rows if done)
            time.sleep(0.03)

    killer = threading.Thread(target=terminate, daemon=True)
    try:
        killer.start()
        threads = [
            threading.Thread(target=_send, args=(router.url, 150, f"c{n}")) for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        stop.set()
        killer.join(10)
        usage = router.app.state.usage
        wait_until(lambda: usage.flusher.size() == 0, timeout=60)
        assert killed > 0  # backends really were killed under the flusher
        assert total_requests(database) == 600
    finally:
        stop.set()
        router.stop()
