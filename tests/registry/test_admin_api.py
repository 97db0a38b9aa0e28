"""Admin API: token checks, input validation, patching flags, the explorer data."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter


def test_admin_api_is_off_without_a_token(
    database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database, admin_token=None)
    response = router.admin("GET", "/services")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "ADMIN_API_DISABLED"
    assert router.http.get("/admin").status_code == 200  # the UI page still loads


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_missing_or_wrong_token_gets_401(
    headers: dict[str, str], database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    for method, path in [("GET", "/services"), ("POST", "/refresh"), ("DELETE", "/services/x")]:
        response = httpx.request(method, f"{router.url}/admin/api{path}", headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"url": "http://x"}', "'name'"),
        ('{"name": "has space", "url": "http://x"}', "'name'"),
        ('{"name": "products\\n", "url": "http://x"}', "'name'"),
        ('{"name": "a"}', "'url' is required"),
        ('{"name": "a", "url": "ftp://x"}', "http://"),
        ('{"name": "a", "url": "http://x", "enabled": "yes"}', "'enabled'"),
        ('{"name": "a", "url": "http://x", "timeout_s": -1}', "'timeout_s'"),
        ('{"name": "a", "url": "http://x", "headers": "auth"}', "'headers'"),
        ('{"name": "a", "url": "http://x", "colour": "red"}', "Unknown field(s): colour"),
    ],
)
def test_bad_service_bodies_get_400(
    body: str, fragment: str, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    response = router.admin("POST", "/services", content=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert fragment in error["message"]


def test_patch_flags_disable_enable_and_explorer(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    for name in ("products", "reviews"):
        router.admin("POST", "/services", json={"name": name, "url": subgraphs.urls[name]})
    assert (
        router.admin("POST", "/services", json={"name": "products", "url": "http://x"}).status_code
        == 409
    )
    hash_before = router.registry.holder.current.sdl_hash

    flags = router.admin(
        "PATCH", "/services/reviews", json={"use_msgpack": True, "headers": ["Authorization"]}
    )
    assert flags.status_code == 200, flags.text
    assert flags.json()["service"]["use_msgpack"] is True
    assert flags.json()["service"]["headers"] == ["authorization"]
    assert router.registry.holder.current.sdl_hash == hash_before  # flags do not recompose

    disabled = router.admin("PATCH", "/services/reviews", json={"enabled": False})
    assert disabled.status_code == 200, disabled.text
    assert "reviews" not in router.registry.holder.current.supergraph.subgraphs
    enabled = router.admin("PATCH", "/services/reviews", json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    assert router.registry.holder.current.sdl_hash == hash_before

    assert router.admin("PATCH", "/services/nobody", json={"enabled": True}).status_code == 404
    assert router.admin("PATCH", "/services/reviews", json={}).status_code == 400
    assert router.admin("GET", "/nowhere").status_code == 404

    graph = router.admin("GET", "/schema").json()
    assert graph["subgraphs"] == ["products", "reviews"]
    types = {t["name"]: t for t in graph["types"]}
    product = types["Product"]
    assert product["entity"] is True and product["subgraphs"] == ["products", "reviews"]
    fields = {f["name"]: f for f in product["fields"]}
    assert fields["reviews"]["resolvedBy"] == ["reviews"]
    assert fields["name"]["resolvedBy"] == ["products"]
    assert sorted(fields["upc"]["resolvedBy"]) == ["products", "reviews"]
    assert types["Review"]["owner"] == "reviews"
    assert {"from": "Product", "to": "Review", "label": "reviews"} in graph["edges"]
    assert not any(name.startswith("join__") for name in types)


def test_a_broken_database_is_a_503_not_a_traceback(
    database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    import sqlite3

    router = start_router(database)
    assert router.admin("GET", "/services").status_code == 200
    path = database.split(":///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE schema_versions")
        connection.execute("DROP TABLE services")
    response = router.admin("GET", "/services")
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "REGISTRY_UNAVAILABLE"
    assert "Traceback" not in error["message"]
