"""A change the registry refuses changes nothing this router reports: not the served
graph, not the service list, not ``/health/detailed``. And a rollback is logged like
any other activation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter
from tests.support import free_port


def _health_registry(router: RegistryRouter) -> dict[str, Any]:
    registry: dict[str, Any] = router.http.get("/health/detailed").json()["registry"]
    return registry


def _services(router: RegistryRouter) -> dict[str, Any]:
    return {s["name"]: s for s in router.admin("GET", "/services").json()["services"]}


def test_an_unreachable_service_leaves_health_untouched(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    added = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert added.status_code == 201, added.text
    before = _health_registry(router)

    ghost = f"http://127.0.0.1:{free_port()}/graphql"
    response = router.admin("POST", "/services", json={"name": "ghost", "url": ghost})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SUBGRAPH_UNREACHABLE"
    port = ghost.split(":")[2].split("/")[0]
    assert f"cannot connect to 127.0.0.1:{port}" in error["message"], error
    assert "ssl" not in error["message"], error  # aiohttp's "ssl:default" on an http:// URL

    after = _health_registry(router)
    assert "ghost" not in after["services"]
    assert after == before
    assert list(_services(router)) == ["products"]


def test_a_service_that_does_not_compose_leaves_health_untouched(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    router.admin("POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]})
    before = _health_registry(router)
    response = router.admin(
        "POST", "/services", json={"name": "clashing", "url": subgraphs.urls["clashing"]}
    )
    assert response.status_code == 422, response.text
    after = _health_registry(router)
    assert "clashing" not in after["services"]
    assert after["lastCompositionErrors"] == []  # the caller got the errors; health is as before
    assert after == before


def test_a_refused_url_change_keeps_the_service_status(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    router.admin("POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]})
    before = _services(router)["products"]
    assert before["status"]["healthy"] is True

    ghost = f"http://127.0.0.1:{free_port()}/graphql"
    unreachable = router.admin("PATCH", "/services/products", json={"url": ghost})
    assert unreachable.status_code == 422
    assert unreachable.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNREACHABLE"
    assert _services(router)["products"] == before

    router.admin("POST", "/services", json={"name": "reviews", "url": subgraphs.urls["reviews"]})
    reviews_before = _services(router)["reviews"]
    health_before = _health_registry(router)
    # clashing's Product.name is an Int, products' a String: the move cannot compose.
    refused = router.admin("PATCH", "/services/reviews", json={"url": subgraphs.urls["clashing"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["extensions"]["code"] == "FIELD_TYPE_MISMATCH"
    assert _services(router)["reviews"] == reviews_before
    assert _health_registry(router) == health_before


def test_a_rollback_is_logged(
    subgraphs: Subgraphs,
    database: str,
    start_router: Callable[..., RegistryRouter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="router.registry")
    router = start_router(database)
    for name in ("products", "reviews"):
        router.admin("POST", "/services", json={"name": name, "url": subgraphs.urls[name]})
    oldest = router.admin("GET", "/supergraphs").json()["versions"][-1]
    added = [r.getMessage() for r in caplog.records if r.name == "router.registry"]
    assert any("(add reviews)" in m for m in added), added  # the capture sees the router
    caplog.clear()
    assert router.admin("POST", f"/supergraphs/{oldest['id']}/activate").status_code == 200
    infos = [
        r.getMessage()
        for r in caplog.records
        if r.name == "router.registry" and r.levelno == logging.INFO
    ]
    assert any(f"supergraph version {oldest['id']} active" in m for m in infos), infos
