"""Several routers over one PostgreSQL registry converge on the same supergraph."""

from __future__ import annotations

from collections.abc import Callable

from router.registry import migrations
from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter, postgres_database, wait_for

REVIEWS = "{ products { upc reviews { stars } } }"


def test_routers_sharing_postgresql_converge(
    subgraphs: Subgraphs, start_router: Callable[..., RegistryRouter]
) -> None:
    with postgres_database() as url:
        migrations.upgrade(url)
        first = start_router(url, sync_interval_s=0.1)
        second = start_router(url, sync_interval_s=0.1)
        added = first.admin(
            "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
        )
        assert added.status_code == 201, added.text
        first.admin("POST", "/services", json={"name": "reviews", "url": subgraphs.urls["reviews"]})
        target = first.registry.holder.current.sdl_hash

        def second_serves(digest: str) -> bool:
            current = second.registry.holder.current
            return current is not None and current.sdl_hash == digest

        wait_for(lambda: second_serves(target), timeout=10)
        assert "errors" not in second.query(REVIEWS)
        # A rollback done on the second router reaches the first one.
        versions = second.admin("GET", "/supergraphs").json()["versions"]
        oldest = versions[-1]
        assert second.admin("POST", f"/supergraphs/{oldest['id']}/activate").status_code == 200
        wait_for(lambda: first.registry.holder.current.sdl_hash == oldest["hash"], timeout=10)
        assert first.query(REVIEWS)["errors"][0]["extensions"]["code"] == (
            "GRAPHQL_VALIDATION_FAILED"
        )
        health = first.http.get("/health/detailed").json()
        assert health["registry"]["supergraphVersion"]["id"] == oldest["id"]
        first.stop()
        second.stop()
