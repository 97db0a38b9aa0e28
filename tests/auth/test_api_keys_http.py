"""API keys through real routers: the admin API (create, list, revoke, audit), keys on
the request path (``x-api-key`` and ``Authorization: ApiKey``), and a revocation on
router A refusing the key on router B (same PostgreSQL) within 5 seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from router.auth.api_keys import ApiKeySettings, ApiKeyVerifier
from router.auth.api_keys.keyformat import format_key, new_key_id, new_secret, parse_key
from router.registry import migrations
from tests.auth.keys import ApiKeyCheck, opened
from tests.e2e.harness import Subgraphs
from tests.registry.harness import (
    RegistryRouter,
    migrated_sqlite,
    postgres_database,
    wait_for,
)

QUERY = {"query": "{ products { upc name } }"}
StartRouter = Callable[..., RegistryRouter]


def keyed_router(start_router: StartRouter, url: str, **options: object) -> RegistryRouter:
    verifier = ApiKeyVerifier.from_settings(ApiKeySettings(database_url=url, flush_interval_s=0.2))
    return start_router(url, plugins=(ApiKeyCheck(verifier),), **options)


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def test_admin_api_creates_lists_and_revokes_keys(
    tmp_path: Path, start_router: StartRouter
) -> None:
    router = start_router(migrated_sqlite(tmp_path))
    actor = {"X-Admin-Actor": "alice"}
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = router.admin(
        "POST",
        "/keys",
        headers=actor,
        json={
            "name": "billing",
            "scopes": ["orders:read"],
            "expires_at": expires,
            "rate_limit": "100/minute",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    key = created.json()["key"]
    row = created.json()["api_key"]
    parsed = parse_key(key)
    assert parsed is not None and row["id"] == parsed.id
    assert row["prefix"] == f"gk_{parsed.id}" and row["status"] == "active"
    assert row["scopes"] == ["orders:read"] and row["rate_limit"] == "100/minute"
    assert "secret_hash" not in row

    listed = router.admin("GET", "/keys")
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()["keys"]] == [parsed.id]
    assert parsed.secret not in listed.text and parsed.secret_hash not in listed.text

    revoked = router.admin("DELETE", f"/keys/{parsed.id}", headers=actor)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["api_key"]["status"] == "revoked"
    again = router.admin("DELETE", f"/keys/{parsed.id}", headers=actor)
    assert again.status_code == 200  # idempotent: still revoked, not audited twice
    assert again.json()["api_key"]["revoked_at"] == revoked.json()["api_key"]["revoked_at"]
    for hostile in ["nosuchid", "a%00b", "x" * 10_240, "%E2%80%AE"]:
        missing = router.admin("DELETE", f"/keys/{hostile}")
        assert missing.status_code == 404 and code(missing) == "API_KEY_NOT_FOUND", hostile
        assert "x" * 100 not in missing.text

    audit = router.admin("GET", "/audit").json()["entries"]
    key_entries = [
        (e["action"], e["target"], e["actor"]) for e in audit if "api_key" in e["action"]
    ]
    assert key_entries == [
        ("api_key.revoke", parsed.id, "alice@127.0.0.1"),
        ("api_key.create", parsed.id, "alice@127.0.0.1"),
    ]
    assert parsed.secret not in str(audit)

    unauthenticated = httpx.get(f"{router.url}/admin/api/keys")
    assert unauthenticated.status_code == 401 and code(unauthenticated) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "'name' is required"),
        ({"name": ""}, "'name'"),
        ({"name": "x" * 200}, "'name'"),
        ({"name": "a", "scopes": "read"}, "'scopes'"),
        ({"name": "a", "scopes": ["has space"]}, "scope"),
        ({"name": "a", "expires_at": "tomorrow"}, "'expires_at'"),
        ({"name": "a", "expires_at": "2001-01-01T00:00:00Z"}, "in the past"),
        ({"name": "a", "rate_limit": "lots"}, "'rate_limit'"),
        ({"name": "a", "rate_limit": "0/minute"}, "'rate_limit'"),
        ({"name": "a", "secret": "mine"}, "Unknown field(s): secret"),
    ],
)
def test_bad_key_bodies_get_400(
    body: dict[str, object], fragment: str, tmp_path: Path, start_router: StartRouter
) -> None:
    router = start_router(migrated_sqlite(tmp_path))
    response = router.admin("POST", "/keys", json=body)
    assert response.status_code == 400, response.text
    assert code(response) == "BAD_REQUEST"
    assert fragment in response.json()["errors"][0]["message"]
    assert router.admin("GET", "/keys").json() == {"keys": []}


async def test_keys_on_the_request_path(
    tmp_path: Path, products: Subgraphs, start_router: StartRouter
) -> None:
    url = migrated_sqlite(tmp_path)
    router = keyed_router(start_router, url)
    added = router.admin(
        "POST", "/services", json={"name": "products", "url": products.urls["products"]}
    )
    assert added.status_code == 201, added.text
    key = router.admin("POST", "/keys", json={"name": "web"}).json()["key"]

    for headers in ({"x-api-key": key}, {"Authorization": f"ApiKey {key}"}):
        answer = router.http.post("/graphql", json=QUERY, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["products"][0]["name"] == "Table"

    refusals = {
        "no key": ({}, "Send an API key."),
        "garbage": ({"x-api-key": format_key(new_key_id(), new_secret())}, "unknown"),
        "10 KB": ({"x-api-key": "gk_" + "A" * 10_240}, "malformed"),
    }
    for what, (headers, fragment) in refusals.items():
        answer = router.http.post("/graphql", json=QUERY, headers=headers)
        assert answer.status_code == 401, (what, answer.text)
        assert code(answer) == "UNAUTHENTICATED"
        assert fragment in answer.json()["errors"][0]["message"], what
        assert "A" * 100 not in answer.text

    router.stop()  # the verifier's stop flushes last_used_at
    async with opened(url) as store:
        rows = await store.list()
    assert rows[0].last_used_at is not None


def test_revocation_on_router_a_refuses_the_key_on_router_b_within_5_seconds(
    products: Subgraphs, start_router: StartRouter
) -> None:
    with postgres_database() as url:
        migrations.upgrade(url)
        router_a = keyed_router(start_router, url, sync_interval_s=0.1)
        router_b = keyed_router(start_router, url, sync_interval_s=0.1)
        router_a.admin(
            "POST", "/services", json={"name": "products", "url": products.urls["products"]}
        )
        wait_for(lambda: router_b.registry.holder.current is not None)
        created = router_a.admin("POST", "/keys", json={"name": "partner"}).json()
        headers = {"x-api-key": created["key"]}
        assert router_b.http.post("/graphql", json=QUERY, headers=headers).status_code == 200
        assert router_b.http.post("/graphql", json=QUERY, headers=headers).status_code == 200

        revoked = router_a.admin("DELETE", f"/keys/{created['api_key']['id']}")
        assert revoked.status_code == 200
        started = time.monotonic()
        while True:
            answer = router_b.http.post("/graphql", json=QUERY, headers=headers)
            if answer.status_code == 401:
                break
            assert answer.status_code == 200
            assert time.monotonic() - started < 5.0, "router B still accepts the revoked key"
            time.sleep(0.05)
        assert "revoked" in answer.json()["errors"][0]["message"]
        print(f"revocation reached router B after {time.monotonic() - started:.2f} s")
        router_a.stop()
        router_b.stop()
