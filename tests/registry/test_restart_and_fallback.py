"""Restarting with a subgraph down, the fallbacks, polling, rollback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter, wait_for

BOTH = "{ products { upc name reviews { stars } } }"


def _register_both(router: RegistryRouter, subgraphs: Subgraphs) -> None:
    for name in ("products", "reviews"):
        response = router.admin(
            "POST", "/services", json={"name": name, "url": subgraphs.urls[name]}
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("fallback", ["cached", "degrade", "drop"])
def test_restart_with_a_subgraph_down(
    fallback: str,
    subgraphs: Subgraphs,
    database: str,
    start_router: Callable[..., RegistryRouter],
) -> None:
    first = start_router(database)
    _register_both(first, subgraphs)
    served_hash = first.registry.holder.current.sdl_hash
    first.stop()
    subgraphs.loop.run(subgraphs.servers["reviews"].stop())  # reviews is now down

    router = start_router(database, fallback=fallback)
    health = router.http.get("/health/detailed").json()
    registry = health["registry"]
    services = {s["name"]: s for s in router.admin("GET", "/services").json()["services"]}
    result = router.query(BOTH)
    if fallback == "drop":
        # Composed without reviews: its fields are gone, products still served.
        assert router.registry.holder.current.sdl_hash != served_hash
        assert registry["droppedServices"] == ["reviews"]
        assert services["reviews"]["in_supergraph"] is False
        assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert router.query("{ products { upc } }") == {
            "data": {"products": [{"upc": "1"}, {"upc": "2"}, {"upc": "3"}]}
        }
        # reviews comes back on its old address: a refresh composes it in again.
        port = int(subgraphs.urls["reviews"].rsplit(":", 1)[1].split("/")[0])
        subgraphs.loop.run(subgraphs.servers["reviews"].start(port=port))
        refreshed = router.admin("POST", "/refresh").json()
        assert refreshed["changed"] is True
        assert router.registry.holder.current.sdl_hash == served_hash
        assert "errors" not in router.query(BOTH)
        return
    # cached / degrade: the same graph as before the restart, from the stored SDL.
    assert router.registry.holder.current.sdl_hash == served_hash
    assert registry["cachedSchemas"] == ["reviews"]
    assert services["reviews"]["status"]["schema_source"] == "cached"
    assert services["reviews"]["status"]["healthy"] is False
    assert services["products"]["status"]["schema_source"] == "live"
    assert [p["name"] for p in result["data"]["products"]] == ["Table", "Couch", "Chair"]
    assert result["errors"]  # reviews is down: its part is null + an error, no 500
    if fallback == "degrade":
        assert health["status"] == "degraded"
        assert health["subgraphs"]["reviews"]["healthy"] is False
    versions = router.admin("GET", "/supergraphs").json()["versions"]
    assert len(versions) == 2  # the restart did not write a new version


def test_polling_picks_up_a_changed_sdl(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database, poll_interval_s=0.2)
    router.admin("POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]})
    spec = subgraphs.servers["products"].spec  # type: ignore[union-attr]
    spec.sdl = spec.sdl.replace("price: Int!", "price: Int!\n  weight: Float")
    wait_for(lambda: len(router.admin("GET", "/supergraphs").json()["versions"]) == 2)
    assert "weight" in router.registry.holder.current.supergraph.sdl
    latest = router.admin("GET", "/supergraphs").json()["versions"][0]
    diff = router.admin("GET", f"/supergraphs/{latest['id']}/diff").json()["diff"]
    assert "+  weight: Float" in diff


def test_rollback_activates_an_older_version(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    _register_both(router, subgraphs)
    versions = router.admin("GET", "/supergraphs").json()["versions"]
    oldest = versions[-1]
    response = router.admin("POST", f"/supergraphs/{oldest['id']}/activate")
    assert response.status_code == 200, response.text
    assert router.registry.holder.current.sdl_hash == oldest["hash"]
    assert router.query(BOTH)["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    active = [
        v["id"] for v in router.admin("GET", "/supergraphs").json()["versions"] if v["active"]
    ]
    assert active == [oldest["id"]]
    assert router.admin("POST", "/supergraphs/999/activate").status_code == 404
    # The rollback holds: re-fetching unchanged SDLs does not recompose it away.
    assert router.admin("POST", "/refresh").json()["changed"] is False
    assert router.registry.holder.current.sdl_hash == oldest["hash"]
