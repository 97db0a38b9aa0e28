"""Usage and audit records through a real router on a real PostgreSQL: what lands
in ``usage_stats``, ``usage_operations`` and ``audit_logs``, the admin API over
them, and the ``buffer.*`` OpenTelemetry metrics on ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.config.records import AuditSettings, UsageSettings
from tests.e2e.harness import RouterThread
from tests.usage.harness import (
    AUTH,
    QUERY,
    TOKEN,
    sql,
    total_requests,
    wait_until,
)

MUTATION_FREE_BAD = "{ products { nope } }"


@pytest.fixture
def router(
    database: str, supergraph: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RouterThread]:
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", TOKEN)
    sql(database, "TRUNCATE usage_stats, usage_operations, audit_logs, flush_batches")
    router = RouterThread(
        supergraph,
        usage=UsageSettings(enabled=True, database_url=database, flush_interval_ms=100),
        audit=AuditSettings(enabled=True, database_url=database, flush_interval_ms=100),
        log_level="warning",
    )
    try:
        yield router
    finally:
        router.stop()


def test_requests_are_counted_per_client_and_operation(router: RouterThread, database: str) -> None:
    with httpx.Client(base_url=router.url, timeout=10) as http:
        for _ in range(7):
            assert http.post("/graphql", json={"query": QUERY}).status_code == 200
        for _ in range(5):
            http.post(
                "/graphql",
                json={"query": "query Named { products { upc } }"},
                headers={"apollographql-client-name": "web"},
            )
        for _ in range(3):
            http.post(
                "/graphql", json={"query": MUTATION_FREE_BAD}, headers={"x-client-name": "ios"}
            )
    wait_until(lambda: total_requests(database) == 15)
    rows = sql(
        database,
        "SELECT client_kind, client, operation_name, SUM(requests), SUM(errors), "
        "SUM(response_bytes), SUM(d0+d1+d2+d3+d4+d5+d6+d7+d8+d9+d10+d11) FROM usage_stats "
        "GROUP BY client_kind, client, operation_name ORDER BY client",  # an hour may turn
    )
    by_client = {r[1]: r for r in rows}
    assert by_client["anonymous"][:5] == ("anonymous", "anonymous", "", 7, 0)
    assert by_client["web"][:5] == ("client_name", "web", "Named", 5, 0)
    assert by_client["ios"][:5] == ("client_name", "ios", "", 3, 3)
    assert all(r[5] > 0 and r[6] == r[3] for r in rows)  # bytes counted, one bucket each
    documents = dict(sql(database, "SELECT name, document FROM usage_operations"))
    assert documents["Named"] == "query Named { products { upc } }"
    # The total survives later flushes unchanged: ON CONFLICT adds, never replaces.
    with httpx.Client(base_url=router.url, timeout=10) as http:
        http.post("/graphql", json={"query": QUERY})
    wait_until(lambda: total_requests(database) == 16)
    assert sql(database, "SELECT SUM(requests) FROM usage_stats WHERE client = 'anonymous'") == [
        (8,)
    ]


def test_admin_usage_api_and_operations_seen(router: RouterThread, database: str) -> None:
    with httpx.Client(base_url=router.url, timeout=10) as http:
        for _ in range(4):
            http.post("/graphql", json={"query": "query Top { products { upc } }"})
        http.post("/graphql", json={"query": QUERY})
        wait_until(lambda: total_requests(database) == 5)
        assert http.get("/admin/api/usage").status_code == 401
        report = http.get("/admin/api/usage?from=2h&by=operation", headers=AUTH).json()
        assert report["series"][0]["name"] == "Top"
        assert report["series"][0]["requests"] == 4
        assert report["top_operations"][0]["p95_ms"] is not None
        assert report["totals"]["requests"] == 5
        bad = http.get("/admin/api/usage?by=nope", headers=AUTH)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        seen = http.get("/admin/api/usage/operations?since=1d", headers=AUTH).json()
    operations = {op["name"]: op for op in seen["operations"]}
    assert operations["Top"]["requests"] == 4
    assert operations["Top"]["document"] == "query Top { products { upc } }"
    assert operations[None]["document"] == QUERY


def test_buffer_metrics_are_on_metrics(router: RouterThread, database: str) -> None:
    with httpx.Client(base_url=router.url, timeout=10) as http:
        http.post("/graphql", json={"query": QUERY})
        wait_until(lambda: total_requests(database) == 1)
        text = http.get("/metrics").text
    for service in ("usage", "audit"):
        assert f'buffer_size{{service="{service}"}}' in text
        assert f'buffer_flush_failures_total{{service="{service}"}}' in text
    assert 'buffer_flush_rows_total{service="usage"} 1.0' in text
    assert 'buffer_flush_duration_ms_count{service="usage"}' in text
