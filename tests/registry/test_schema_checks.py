"""Schema checks in the registry: ``POST /admin/api/services/{name}/check`` reports what
a proposed SDL would change, and adding or updating a service runs the same check
first — a change that breaks an operation seen recently (from the injected
``SeenOperationsSource``) is refused with 409 ``BREAKING_CHANGE`` and audited, unless
``?force=true`` (audited too)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from router.config.records import UsageSettings
from router.config.settings import Settings
from router.registry.checks import SeenOperation
from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec
from tests.registry.harness import (
    PRODUCT_ROWS,
    PRODUCTS_SDL,
    REVIEWS_SDL,
    TOKEN,
    RegistryRouter,
    products_spec,
    reviews_spec,
)
from tests.support import free_port

NO_PRICE_SDL = PRODUCTS_SDL.replace(" price: Int!", "")
PRICES = "query Prices { products { name price } }"
NAMES = "query Names { products { name } }"


@pytest.fixture
def servers() -> Iterator[Subgraphs]:
    servers = Subgraphs()
    rows = [{k: v for k, v in r.items() if k != "price"} for r in PRODUCT_ROWS]
    no_price = SubgraphSpec(
        "products-no-price", NO_PRICE_SDL, rows={"Product": rows}, root={"products": rows}
    )
    servers.start([products_spec(), reviews_spec(), no_price])
    yield servers
    servers.stop()


class RecordedOperations:
    """A real source over a list, as usage recording would answer (async, like a
    database read); it keeps the moments it was asked about."""

    def __init__(self, operations: list[SeenOperation]) -> None:
        self.operations = operations
        self.asked: list[datetime] = []

    async def __call__(self, since: datetime) -> list[SeenOperation]:
        self.asked.append(since)
        return list(self.operations)


def _registered(
    start_router: Callable[..., RegistryRouter],
    database: str,
    servers: Subgraphs,
    source: Any = None,
    settings: Settings | None = None,
) -> RegistryRouter:
    router = start_router(database, seen_operations=source, settings=settings)
    for name in ("products", "reviews"):
        added = router.admin("POST", "/services", json={"name": name, "url": servers.urls[name]})
        assert added.status_code == 201, added.text
    return router


def _audit(router: RegistryRouter, action: str) -> list[dict[str, Any]]:
    entries = router.admin("GET", "/audit").json()["entries"]
    return [e for e in entries if e["action"] == action]


def test_check_endpoint_reports_the_changes_and_changes_nothing(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = _registered(start_router, database, servers)
    versions = router.admin("GET", "/supergraphs").json()
    response = router.admin("POST", "/services/products/check", json={"sdl": NO_PRICE_SDL})
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    assert report["passed"] is False  # no usage source: a breaking schema change fails
    assert report["operations"] is None
    removed = [c for c in report["changes"] if c["code"] == "FIELD_REMOVED"]
    assert [(c["severity"], c["coordinate"]) for c in removed] == [("BREAKING", "Product.price")]
    assert router.admin("GET", "/supergraphs").json() == versions
    assert router.query("{ products { price } }")["data"]["products"][0]["price"] == 899


def test_check_endpoint_fetches_the_sdl_from_a_url(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = _registered(start_router, database, servers)
    url = servers.urls["products-no-price"]
    report = router.admin("POST", "/services/products/check", json={"url": url}).json()["report"]
    assert {c["coordinate"] for c in report["changes"]} >= {"Product.price"}
    same = router.admin("POST", "/services/products/check", json={"sdl": PRODUCTS_SDL}).json()
    assert same["report"]["changes"] == [] and same["report"]["passed"] is True


def test_check_endpoint_reports_composition_errors(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = _registered(start_router, database, servers)
    # reviews also defining Product.name (as Int, not shareable) cannot compose.
    clash = REVIEWS_SDL.replace("upc: ID! reviews", "upc: ID! name: Int! reviews")
    assert clash != REVIEWS_SDL
    response = router.admin("POST", "/services/reviews/check", json={"sdl": clash})
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    assert report["passed"] is False
    assert report["composition"]["ok"] is False
    codes = {e["code"] for e in report["composition"]["errors"]}
    assert codes & {"INVALID_FIELD_SHARING", "FIELD_TYPE_MISMATCH"}, codes
    assert report["changes"] == []


@pytest.mark.parametrize(
    "body",
    [{}, {"sdl": ""}, {"sdl": 3}, {"url": "ftp://x"}, {"sdl": "type Query { a: Int }", "x": 1}],
)
def test_check_endpoint_refuses_bad_bodies(
    servers: Subgraphs,
    database: str,
    start_router: Callable[..., RegistryRouter],
    body: dict[str, Any],
) -> None:
    router = start_router(database)
    response = router.admin("POST", "/services/products/check", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"]


def test_change_breaking_a_seen_operation_is_refused_then_forced(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    source = RecordedOperations(
        [SeenOperation("Prices", PRICES, 120), SeenOperation("Names", NAMES, 7)]
    )
    router = _registered(start_router, database, servers, source)
    version = router.admin("GET", "/supergraphs").json()["versions"][0]["id"]
    no_price = {"url": servers.urls["products-no-price"]}

    refused = router.admin("PATCH", "/services/products", json=no_price)
    assert refused.status_code == 409, refused.text
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "BREAKING_CHANGE"
    assert "Prices" in error["message"]
    report = error["extensions"]["report"]
    assert [
        (b["name"], b["requests"], b["failure"], b["fields"])
        for b in report["operations"]["broken"]
    ] == [("Prices", 120, "validation", ["Product.price"])]
    assert report["operations"]["checked"] == 2
    # Nothing changed: the served graph, the stored URL, the active version.
    assert router.query("{ products { price } }")["data"]["products"][0]["price"] == 899
    service = router.admin("GET", "/services/products").json()["service"]
    assert service["url"] == servers.urls["products"]
    assert router.admin("GET", "/supergraphs").json()["versions"][0]["id"] == version
    (refusal,) = _audit(router, "service.check.refused")
    assert refusal["target"] == "products"
    assert refusal["detail"]["broken_operations"] == ["Prices"]
    # The window: operations seen in the last checks.window_days (7 by default).
    expected = datetime.now(UTC) - timedelta(days=7)
    assert abs(source.asked[-1] - expected) < timedelta(hours=1)

    forced = router.admin("PATCH", "/services/products?force=true", json=no_price)
    assert forced.status_code == 200, forced.text
    assert forced.json()["check"]["passed"] is False
    (forcing,) = _audit(router, "service.check.forced")
    assert forcing["detail"]["breaking_changes"] == ["Product.price"]
    errors = router.query("{ products { price } }")["errors"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_breaking_change_no_seen_operation_uses_goes_through(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    source = RecordedOperations([SeenOperation("Names", NAMES, 7)])
    router = _registered(start_router, database, servers, source)
    response = router.admin(
        "PATCH", "/services/products", json={"url": servers.urls["products-no-price"]}
    )
    assert response.status_code == 200, response.text
    check = response.json()["check"]
    assert check["passed"] is True
    assert check["summary"]["breaking"] >= 1 and check["operations"]["broken"] == []
    assert _audit(router, "service.check.refused") == []


def test_without_a_source_breaking_schema_changes_are_reported_not_refused(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = _registered(start_router, database, servers)
    bad_force = router.admin("PATCH", "/services/products?force=maybe", json={"enabled": True})
    assert bad_force.status_code == 400
    response = router.admin(
        "PATCH", "/services/products", json={"url": servers.urls["products-no-price"]}
    )
    assert response.status_code == 200, response.text
    check = response.json()["check"]
    assert check["operations"] is None
    assert check["passed"] is False  # the schema-level verdict, for the caller to see
    assert ("BREAKING", "Product.price") in {
        (c["severity"], c["coordinate"]) for c in check["changes"]
    }
    assert _audit(router, "service.check.refused") == []


def test_disabling_a_service_whose_fields_are_used_is_refused(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    reviews_query = "query Reviews { products { reviews { body } } }"
    source = RecordedOperations([SeenOperation("Reviews", reviews_query, 3)])
    router = _registered(start_router, database, servers, source)
    refused = router.admin("PATCH", "/services/reviews", json={"enabled": False})
    assert refused.status_code == 409, refused.text
    broken = refused.json()["errors"][0]["extensions"]["report"]["operations"]["broken"]
    assert [(b["name"], b["fields"]) for b in broken] == [("Reviews", ["Product.reviews"])]
    assert router.query("{ products { reviews { body } } }")["data"]["products"][0]["reviews"]


def test_adding_a_service_runs_the_check(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database, seen_operations=RecordedOperations([]))
    first = router.admin(
        "POST", "/services", json={"name": "products", "url": servers.urls["products"]}
    )
    assert first.json()["check"] is None  # nothing served yet: nothing to compare with
    second = router.admin(
        "POST", "/services", json={"name": "reviews", "url": servers.urls["reviews"]}
    )
    assert second.status_code == 201
    check = second.json()["check"]
    assert check["passed"] is True
    assert ("SAFE", "reviews") in {(c["severity"], c["coordinate"]) for c in check["changes"]}


def test_check_endpoint_before_any_graph_and_with_an_unreachable_url(
    servers: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    empty = router.admin("POST", "/services/products/check", json={"sdl": PRODUCTS_SDL})
    assert empty.status_code == 200
    assert empty.json() == {"service": "products", "report": None}  # nothing to compare with
    _registered(start_router, database, servers).stop()  # another router registers both
    router.stop()
    router = start_router(database)
    ghost = f"http://127.0.0.1:{free_port()}/graphql"
    response = router.admin("POST", "/services/products/check", json={"url": ghost})
    assert response.status_code == 422
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNREACHABLE"


def test_recorded_usage_is_what_a_change_is_checked_against(
    servers: Subgraphs,
    database: str,
    start_router: Callable[..., RegistryRouter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No injected source: the registry reads the operations usage recording stored
    in its own database, so traffic through the router makes a change breaking."""
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", TOKEN)  # the usage API's token
    usage = UsageSettings(enabled=True, database_url=database, flush_interval_ms=50)
    router = _registered(start_router, database, servers, settings=Settings(usage=usage))
    no_price = {"url": servers.urls["products-no-price"]}
    quiet = router.admin("POST", "/services/products/check", json=no_price).json()["report"]
    assert quiet["operations"]["checked"] == 0  # nothing recorded yet

    for _ in range(3):
        assert "errors" not in router.query(PRICES)
    deadline = time.monotonic() + 30
    while _recorded(router) != [("Prices", 3)] and time.monotonic() < deadline:
        time.sleep(0.1)  # the usage buffer flushes every 50 ms
    refused = router.admin("PATCH", "/services/products", json=no_price)
    assert refused.status_code == 409, refused.text
    report = refused.json()["errors"][0]["extensions"]["report"]
    assert [(b["name"], b["requests"]) for b in report["operations"]["broken"]] == [("Prices", 3)]


def _recorded(router: RegistryRouter) -> list[tuple[str | None, int]]:
    operations = router.admin("GET", "/usage/operations?since=1d").json()["operations"]
    return [(o["name"], o["requests"]) for o in operations]
