"""Schema usage in the admin explorer: each field's request count (and each type's
sum), counted from the compiled-operation cache, never by walking requests."""

from __future__ import annotations

from collections.abc import Callable

from graphql import build_schema, parse

from router.telemetry.schema_usage import requested_fields
from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter


def test_requested_fields_cover_fragments_once_and_skip_introspection() -> None:
    schema = build_schema(
        "type Query { me: User, users: [User] } type User { id: ID, name: String, friends: [User] }"
    )
    document = parse(
        "query { __typename me { ...U friends { ...U } } users { id } }"
        " fragment U on User { id name }"
    )
    found = requested_fields(schema, document)
    assert len(found) == len(set(found))
    assert set(found) == {
        "Query.me",
        "User.friends",
        "Query.users",
        "User.id",
        "User.name",
    }


def test_explorer_reports_requests_per_field(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    for name in ("products", "reviews"):
        created = router.admin(
            "POST", "/services", json={"name": name, "url": subgraphs.urls[name]}
        )
        assert created.status_code == 201, created.text
    for _ in range(3):
        assert "errors" not in router.query("{ products { upc name } }")
    assert "errors" not in router.query("{ products { upc reviews { id } } }")

    graph = router.admin("GET", "/schema").json()
    types = {t["name"]: t for t in graph["types"]}
    product = {f["name"]: f["requests"] for f in types["Product"]["fields"]}
    assert product["upc"] == 4
    assert product["name"] == 3
    assert product["reviews"] == 1
    query = {f["name"]: f["requests"] for f in types["Query"]["fields"]}
    assert query["products"] == 4
    assert graph["maxFieldRequests"] == 4
    assert types["Product"]["requests"] == sum(product.values())


def test_registry_database_metrics(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    """The registry's SQLAlchemy pool and statements show on the router's /metrics."""
    router = start_router(database)
    created = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert created.status_code == 201, created.text
    text = router.http.get("/metrics").text
    system = "postgresql" if database.startswith("postgresql") else "sqlite"
    assert f'db_client_connections_pool_checked_out{{pool="registry",system="{system}"}}' in text
    assert (
        f'db_client_operations_total{{operation="INSERT",outcome="ok",system="{system}"}}' in text
    )
