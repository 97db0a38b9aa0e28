"""Adding and removing a subgraph while clients query: no request fails or is wrong."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.e2e.harness import Subgraphs
from tests.registry.harness import PRODUCT_ROWS, RegistryRouter, wait_for

PRODUCTS_QUERY = "{ products { upc name price } }"
EXPECTED = {"data": {"products": PRODUCT_ROWS}}
REVIEWS_QUERY = "{ products { upc reviews { body stars } } }"
EXPECTED_REVIEWS = {
    "data": {
        "products": [
            {"upc": "1", "reviews": [{"body": "Love it", "stars": 5}]},
            {"upc": "2", "reviews": [{"body": "Too soft", "stars": 2}]},
            {"upc": "3", "reviews": []},
        ]
    }
}


class ClientLoop:
    """Queries the router as fast as it can from a thread, keeping every wrong answer."""

    def __init__(self, url: str, query: str, expected: dict[str, Any]) -> None:
        self.url, self.query, self.expected = url, query, expected
        self.count = 0
        self.wrong: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self._stop.is_set():
                try:
                    response = http.post("/graphql", json={"query": self.query})
                    body = response.json()
                    if response.status_code != 200 or body != self.expected:
                        self.wrong.append((response.status_code, body))
                except Exception as exc:  # a failed request is exactly what we look for
                    self.wrong.append(repr(exc))
                self.count += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def test_add_then_remove_a_subgraph_under_load(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    assert router.http.post("/graphql", json={"query": "{ __typename }"}).status_code == 503
    added = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert added.status_code == 201, added.text
    assert router.query(PRODUCTS_QUERY) == EXPECTED

    loop = ClientLoop(router.url, PRODUCTS_QUERY, EXPECTED)
    try:
        wait_for(lambda: loop.count > 20)
        # Before the add, reviews are not part of the graph.
        before = router.query(REVIEWS_QUERY)
        assert before["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

        during = loop.count
        response = router.admin(
            "POST", "/services", json={"name": "reviews", "url": subgraphs.urls["reviews"]}
        )
        assert response.status_code == 201, response.text
        assert loop.count > during  # clients were answered while the add composed and swapped
        body = response.json()
        assert body["service"]["name"] == "reviews"
        assert body["service"]["in_supergraph"] is True
        # The new fields are queryable right after the add returns.
        assert router.query(REVIEWS_QUERY) == EXPECTED_REVIEWS
        reviews_loop = ClientLoop(router.url, REVIEWS_QUERY, EXPECTED_REVIEWS)
        try:
            wait_for(lambda: reviews_loop.count > 20)
        finally:
            reviews_loop.stop()
        assert reviews_loop.wrong == []
        seen = loop.count
        wait_for(lambda: loop.count > seen + 20)

        during = loop.count
        removed = router.admin("DELETE", "/services/reviews")
        assert removed.status_code == 200, removed.text
        assert loop.count > during
        after = router.query(REVIEWS_QUERY)
        assert after["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        seen = loop.count
        wait_for(lambda: loop.count > seen + 20)
    finally:
        loop.stop()
    assert loop.wrong == [], loop.wrong[:3]
    assert loop.count > 60
    versions = router.admin("GET", "/supergraphs").json()["versions"]
    assert len(versions) == 3  # products; products+reviews; products again
    assert [v["active"] for v in versions] == [True, False, False]
    actions = [e["action"] for e in router.admin("GET", "/audit").json()["entries"]]
    assert actions.count("service.add") == 2 and "service.delete" in actions


def test_failing_composition_changes_nothing(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    router.admin("POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]})
    hash_before = router.registry.holder.current.sdl_hash
    response = router.admin(
        "POST", "/services", json={"name": "clashing", "url": subgraphs.urls["clashing"]}
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors and all(e["extensions"]["code"].isupper() for e in errors)
    assert any("clashing" in e["extensions"]["subgraphs"] for e in errors), errors
    assert any("Product.name" in e["extensions"]["elements"] for e in errors), errors
    # Nothing changed: same schema served, no service row, no new version.
    assert router.registry.holder.current.sdl_hash == hash_before
    names = [s["name"] for s in router.admin("GET", "/services").json()["services"]]
    assert names == ["products"]
    assert len(router.admin("GET", "/supergraphs").json()["versions"]) == 1
    assert router.query(PRODUCTS_QUERY) == EXPECTED


def test_unreachable_service_is_refused(
    database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    from tests.support import free_port

    router = start_router(database)
    url = f"http://127.0.0.1:{free_port()}/graphql"
    response = router.admin("POST", "/services", json={"name": "ghost", "url": url})
    assert response.status_code == 422
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNREACHABLE"
    assert router.admin("GET", "/services").json()["services"] == []


def test_removing_the_last_service_clears_the_graph_for_good(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database, sync_interval_s=0.1)
    router.admin("POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]})
    assert router.query(PRODUCTS_QUERY) == EXPECTED
    assert router.admin("DELETE", "/services/products").status_code == 200
    cleared = router.http.post("/graphql", json={"query": PRODUCTS_QUERY})
    assert cleared.status_code == 503
    assert cleared.json()["errors"][0]["extensions"]["code"] == "SCHEMA_NOT_LOADED"
    versions = router.admin("GET", "/supergraphs").json()["versions"]
    assert len(versions) == 1 and not versions[0]["active"]
    # Neither the sync loop (every 0.1 s) nor a restart brings the old version back.
    again = start_router(database)
    time.sleep(0.4)
    assert router.registry.holder.current is None
    assert again.http.post("/graphql", json={"query": PRODUCTS_QUERY}).status_code == 503
    assert router.admin("DELETE", "/services/products").status_code == 404
