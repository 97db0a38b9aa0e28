"""The response cache against real subgraph servers (and a real Redis): hits skip the
subgraphs, PRIVATE data is never served to another client, errors and mutations are
not cached, TTLs expire, and invalidation by type, by key and of everything."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.cache.conftest import Router, cache

PRODUCTS = "{ products { id name price } }"
PRODUCT = "query P($id: ID!) { product(id: $id) { id name } }"
ME = "{ me { id name } }"

BACKENDS = ["memory", "redis"]


def _backend(request: pytest.FixtureRequest, backend: str) -> None:
    if backend == "redis":
        request.getfixturevalue("redis_available")


@pytest.mark.parametrize("backend", BACKENDS)
def test_hit_skips_the_subgraphs(
    start_router: Callable[..., Router], backend: str, request: pytest.FixtureRequest
) -> None:
    _backend(request, backend)
    router = start_router(cache=cache(backend=backend))
    first = router.post(PRODUCTS)
    assert first.status_code == 200
    assert first.headers["x-cache"] == "MISS"
    assert first.headers["cache-control"] == "max-age=60, public"
    calls = router.calls()
    second = router.post("query {\n  products { id  name price }  # same, spelled differently\n}")
    assert second.json() == first.json()
    assert second.headers["x-cache"] == "HIT"
    assert second.headers["cache-control"].endswith(", public")
    assert 0 < int(second.headers["cache-control"].split("=")[1].split(",")[0]) <= 60
    assert router.calls() == calls  # served without asking the subgraph
    # Other variables are another entry.
    one = router.post(PRODUCT, {"id": "p1"})
    two = router.post(PRODUCT, {"id": "p2"})
    assert one.json()["data"]["product"]["id"] == "p1"
    assert two.json()["data"]["product"]["id"] == "p2"
    assert two.headers["x-cache"] == "MISS"
    assert router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "HIT"


@pytest.mark.parametrize("backend", BACKENDS)
def test_private_data_is_never_served_to_another_client(
    start_router: Callable[..., Router], backend: str, request: pytest.FixtureRequest
) -> None:
    _backend(request, backend)
    router = start_router(cache=cache(backend=backend))
    ada = router.post(ME, headers={"x-test-user": "ada"})
    assert ada.json() == {"data": {"me": {"id": "ada", "name": "name of ada"}}}
    assert ada.headers["cache-control"] == "max-age=30, private"
    bob = router.post(ME, headers={"x-test-user": "bob"})
    assert bob.json() == {"data": {"me": {"id": "bob", "name": "name of bob"}}}
    assert bob.headers["x-cache"] == "MISS"
    again = router.post(ME, headers={"x-test-user": "ada"})
    assert again.headers["x-cache"] == "HIT"
    assert again.json()["data"]["me"]["id"] == "ada"
    calls = router.calls()
    # An anonymous caller's private data is never cached, nor served from another's entry.
    anonymous = router.post(ME)
    assert anonymous.json() == {"data": {"me": None}}
    assert "x-cache" not in anonymous.headers
    assert anonymous.headers["cache-control"] == "no-store"
    assert router.post(ME).json() == {"data": {"me": None}}
    assert router.calls() == calls + 2


def test_errors_mutations_and_no_cache_are_not_served_from_cache(
    start_router: Callable[..., Router],
) -> None:
    router = start_router(cache=cache())
    failed = router.post("{ flaky products { id } }")
    assert failed.json()["errors"]
    assert failed.headers["cache-control"] == "no-store"
    calls = router.calls()
    router.post("{ flaky products { id } }")
    assert router.calls() == calls + 1  # an answer with errors was not kept
    mutation = router.post('mutation { touch(id: "p1") { id } }')
    assert mutation.json() == {"data": {"touch": {"id": "p1"}}}
    assert mutation.headers["cache-control"] == "no-store"
    router.post(PRODUCTS)
    calls = router.calls()
    bypass = router.post(PRODUCTS, headers={"cache-control": "no-cache"})
    assert bypass.status_code == 200
    assert bypass.headers["x-cache"] == "BYPASS"
    assert router.calls() == calls + 1
    assert router.post(PRODUCTS).headers["x-cache"] == "HIT"


@pytest.mark.parametrize("backend", BACKENDS)
def test_ttl_is_the_smallest_hint_and_expires(
    start_router: Callable[..., Router], backend: str, request: pytest.FixtureRequest
) -> None:
    _backend(request, backend)
    router = start_router(cache=cache(backend=backend))
    first = router.post("{ ticker products { id } }")
    assert first.headers["cache-control"] == "max-age=1, public"  # min(1, 60)
    value = first.json()["data"]["ticker"]
    assert router.post("{ ticker products { id } }").json()["data"]["ticker"] == value
    time.sleep(1.2)
    later = router.post("{ ticker products { id } }")
    assert later.headers["x-cache"] == "MISS"
    assert later.json()["data"]["ticker"] > value


def test_per_field_ttl_from_router_yaml_and_default_ttl(
    start_router: Callable[..., Router],
) -> None:
    router = start_router(cache=cache(fields=(("Query.products", 5.0),), default_ttl_s=0.0))
    assert router.post(PRODUCTS).headers["cache-control"] == "max-age=5, public"
    # No hint on Query.flaky's sibling __typename; default_ttl_s 0 means only hinted ones.
    assert router.post("{ __typename }").headers["cache-control"] == "no-store"


@pytest.mark.parametrize("backend", BACKENDS)
def test_admin_invalidation_by_key_type_and_all(
    start_router: Callable[..., Router], backend: str, request: pytest.FixtureRequest
) -> None:
    _backend(request, backend)
    router = start_router(cache=cache(backend=backend))
    for pid in ("p1", "p2"):
        router.post(PRODUCT, {"id": pid})
    router.post(PRODUCTS)
    router.post("{ ticker }")
    refused = router.http.post("/admin/api/cache/invalidate", json={"all": True})
    assert refused.status_code == 401
    bad = router.admin("/cache/invalidate", {"type": "Product", "key": "p1"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # By key: p1's entry, and the list (it names p1 too); p2's entry stays.
    dropped = router.admin("/cache/invalidate", {"type": "Product", "key": {"id": "p1"}})
    assert dropped.json() == {"invalidated": 2}
    assert router.post(PRODUCT, {"id": "p1"}).headers["x-cache"] == "MISS"
    assert router.post(PRODUCT, {"id": "p2"}).headers["x-cache"] == "HIT"
    assert router.post(PRODUCTS).headers["x-cache"] == "MISS"
    # By type: every entry that touched Product; the ticker entry stays.
    assert router.admin("/cache/invalidate", {"type": "Product"}).json() == {"invalidated": 3}
    assert router.post(PRODUCT, {"id": "p2"}).headers["x-cache"] == "MISS"
    assert router.admin("/cache/invalidate", {"all": True}).json()["invalidated"] >= 2
    assert router.post(PRODUCTS).headers["x-cache"] == "MISS"


def test_a_product_without_its_key_selected_is_invalidated_by_any_product_key(
    start_router: Callable[..., Router],
) -> None:
    router = start_router(cache=cache())
    router.post("{ products { name } }")  # no id: the entry cannot name its records
    router.admin("/cache/invalidate", {"type": "Product", "key": {"id": "p4"}})
    assert router.post("{ products { name } }").headers["x-cache"] == "MISS"


def test_redis_entries_are_shared_between_routers(
    start_router: Callable[..., Router], redis_available: None
) -> None:
    shared = cache(backend="redis")
    one = start_router(cache=shared)
    two = start_router(cache=shared)
    assert one.post(PRODUCTS).headers["x-cache"] == "MISS"
    calls = one.calls()
    answer = two.post(PRODUCTS)
    assert answer.headers["x-cache"] == "HIT"
    assert answer.json() == one.post(PRODUCTS).json()
    assert one.calls() == calls
    # An invalidation through one router reaches the other's answers.
    one.admin("/cache/invalidate", {"type": "Product", "key": {"id": "p3"}})
    assert two.post(PRODUCTS).headers["x-cache"] == "MISS"


def test_caching_off_changes_nothing(start_router: Callable[..., Router]) -> None:
    router = start_router()
    response = router.post(PRODUCTS)
    assert response.status_code == 200
    assert "cache-control" not in response.headers
    assert "x-cache" not in response.headers
    calls = router.calls()
    router.post(PRODUCTS)
    assert router.calls() == calls + 1
    assert router.admin("/cache/invalidate", {"all": True}).status_code == 404


def test_an_unreachable_redis_serves_uncached(start_router: Callable[..., Router]) -> None:
    from tests.support import free_port

    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    router = start_router(cache=cache(backend="redis", redis_url=down, entities=True))
    for _ in range(2):
        response = router.post("{ products { id reviews { body } } }")
        assert response.status_code == 200
        assert response.json()["data"]["products"][0]["reviews"] == [{"body": "review of p1"}]
        assert response.headers.get("x-cache") != "HIT"
    metrics = router.http.get("/metrics").text
    assert 'gateway_cache_requests_total{cache="response",result="error"}' in metrics
    down_admin = router.admin("/cache/invalidate", {"all": True})
    assert down_admin.status_code == 503
    assert down_admin.json()["errors"][0]["extensions"]["code"] == "CACHE_UNAVAILABLE"
