"""The audit trail through a real router on a real PostgreSQL: refused credentials,
API-key use from a new IP (once), mutations with redacted variables, the filters of
``GET /admin/api/audit``, and the registry's own changes in the same table."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.auth.api_keys.settings import ApiKeySettings
from router.config.auth import AuthSettings
from router.config.records import AuditSettings
from tests.auth.keys import new_key, opened
from tests.e2e.harness import RouterThread, Subgraphs, point_supergraph
from tests.e2e.suites import SUITES, audit_supergraph
from tests.support import require_shared_data
from tests.usage.harness import AUTH, TOKEN, migrated_postgres, sql, wait_until

MUTATION = "mutation Add($num: Int!, $requestId: String!) { add(num: $num, requestId: $requestId) }"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with migrated_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def supergraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    require_shared_data()
    subgraphs = Subgraphs()
    subgraphs.start(SUITES["mutations"]())
    path = tmp_path_factory.mktemp("audit") / "supergraph.graphql"
    path.write_text(point_supergraph(audit_supergraph("mutations"), subgraphs.urls))
    try:
        yield path
    finally:
        subgraphs.stop()


@pytest.fixture
def router(
    database: str, supergraph: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RouterThread]:
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("START_API_KEY_USAGE_WORKER", "0")
    sql(database, "TRUNCATE audit_logs, flush_batches")
    router = RouterThread(
        supergraph,
        auth=AuthSettings(api_keys=ApiKeySettings(database_url=database)),
        audit=AuditSettings(
            enabled=True,
            database_url=database,
            flush_interval_ms=100,
            mutations=True,
            redact=("password", "requestid"),
        ),
        log_level="warning",
    )
    try:
        yield router
    finally:
        router.stop()


def _entries(database: str, action: str) -> list[tuple[object, ...]]:
    return sql(
        database,
        "SELECT actor, target, ip, request_id, detail FROM audit_logs WHERE action = :a "
        "ORDER BY id",
        a=action,
    )


async def _key(database: str) -> tuple[str, str]:
    async with opened(database) as store:
        return await new_key(store, "audited")


def test_refused_keys_new_ips_and_mutations_are_audited(
    router: RouterThread, database: str
) -> None:
    key_id, key = asyncio.run(_key(database))
    with httpx.Client(base_url=router.url, timeout=10) as http:
        refused = http.post(
            "/graphql",
            json={"query": "{ products { id } }"},
            headers={"x-api-key": "gk_bogus", "x-request-id": "req-1"},
        )
        assert refused.status_code == 401
        for _ in range(3):  # same key, same IP: audited once
            ok = http.post(
                "/graphql", json={"query": "{ products { id } }"}, headers={"x-api-key": key}
            )
            assert ok.status_code == 200
        variables = {"num": 2, "requestId": "secret-request"}
        answer = http.post(
            "/graphql", json={"query": MUTATION, "variables": variables}, headers={"x-api-key": key}
        )
        assert answer.status_code == 200, answer.text
    wait_until(lambda: len(_entries(database, "graphql.mutation")) == 1)
    failures = _entries(database, "auth.failure")
    assert len(failures) == 1
    actor, target, ip, request_id, detail = failures[0]
    assert (actor, target, ip, request_id) == ("ip:127.0.0.1", "/graphql", "127.0.0.1", "req-1")
    assert detail["status"] == 401  # type: ignore[index]
    new_ip = _entries(database, "api_key.new_ip")
    assert [(e[0], e[1], e[2]) for e in new_ip] == [(f"api_key:{key_id}", key_id, "127.0.0.1")]
    mutation = _entries(database, "graphql.mutation")[0]
    assert mutation[0] == f"api_key:{key_id}" and mutation[1] == "Add"
    assert mutation[4]["variables"] == {"num": 2, "requestId": "[REDACTED]"}  # type: ignore[index]
    assert "secret-request" not in str(sql(database, "SELECT detail FROM audit_logs"))


def test_audit_api_filters_by_actor_action_and_time(router: RouterThread, database: str) -> None:
    with httpx.Client(base_url=router.url, timeout=10) as http:
        for _ in range(2):
            http.post("/graphql", json={"query": "{ products { id } }"}, headers={"x-api-key": "x"})
        http.post("/graphql", json={"query": MUTATION, "variables": {"num": 1, "requestId": "r"}})
        wait_until(lambda: len(sql(database, "SELECT id FROM audit_logs")) == 3)
        every = http.get("/admin/api/audit", headers=AUTH).json()["entries"]
        assert [e["action"] for e in every] == ["graphql.mutation", "auth.failure", "auth.failure"]
        assert http.get("/admin/api/audit").status_code == 401  # audited as well
        wait_until(lambda: len(sql(database, "SELECT id FROM audit_logs")) == 4)
        refused = http.get("/admin/api/audit?action=admin.*", headers=AUTH).json()["entries"]
        assert [(e["action"], e["target"]) for e in refused] == [
            ("admin.auth_failure", "GET /admin/api/audit")
        ]
        by_action = http.get("/admin/api/audit?action=auth.*", headers=AUTH).json()["entries"]
        assert {e["action"] for e in by_action} == {"auth.failure"} and len(by_action) == 2
        by_actor = http.get("/admin/api/audit?actor=anonymous", headers=AUTH).json()["entries"]
        assert [e["action"] for e in by_actor] == ["graphql.mutation"]
        later = http.get("/admin/api/audit?from=2999-01-01T00:00:00Z", headers=AUTH).json()
        assert later["entries"] == []
        one = http.get("/admin/api/audit?limit=1", headers=AUTH).json()["entries"]
        assert len(one) == 1
        bad = http.get("/admin/api/audit?from=yesterday-ish", headers=AUTH)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
