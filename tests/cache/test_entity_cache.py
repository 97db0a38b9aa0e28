"""The entity cache: ``_entities`` results per subgraph, type, key and selection, so
varied queries over the same entities skip the fetches they have seen."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cache.conftest import Router, cache

WITH_IDS = "{ products { id reviews { body } } }"
WITH_NAMES = "{ products { name reviews { body } } }"


def _sent(router: Router) -> list[dict[str, str]]:
    return list(router.subgraphs.requests("reviews")[-1]["variables"]["representations"])


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_entities_seen_are_not_fetched_again(
    start_router: Callable[..., Router], backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "redis":
        request.getfixturevalue("redis_available")
    router = start_router(cache=cache(enabled=False, entities=True, backend=backend))
    first = router.post(WITH_IDS).json()
    assert [p["reviews"][0]["body"] for p in first["data"]["products"]] == [
        f"review of p{i}" for i in range(1, 6)
    ]
    assert len(_sent(router)) == 5
    reviews = router.calls("reviews")
    catalog = router.calls("catalog")
    # Another query (no response cache here) over the same products: the root fetch
    # runs, the entity fetch is answered from the cache entirely.
    second = router.post(WITH_NAMES).json()
    assert second == {
        "data": {
            "products": [
                {"name": f"Product {i}", "reviews": [{"body": f"review of p{i}"}]}
                for i in range(1, 6)
            ]
        }
    }
    assert router.calls("catalog") == catalog + 1
    assert router.calls("reviews") == reviews
    one = router.post('{ product(id: "p3") { name reviews { body } } }').json()
    assert one["data"]["product"]["reviews"] == [{"body": "review of p3"}]
    assert router.calls("reviews") == reviews
    # Invalidating one record: only that one is fetched, the others come from the cache,
    # each in its place.
    dropped = router.admin("/cache/invalidate", {"type": "Product", "key": {"id": "p2"}})
    assert dropped.json()["invalidated"] == 1
    third = router.post(WITH_NAMES).json()
    assert third == second
    assert router.calls("reviews") == reviews + 1
    assert _sent(router) == [{"__typename": "Product", "id": "p2"}]
    # Another selection of the same entities is another entry.
    router.post("{ products { reviews { __typename body } } }")
    assert router.calls("reviews") == reviews + 2
    assert len(_sent(router)) == 5


def test_entity_cache_off_fetches_every_time(start_router: Callable[..., Router]) -> None:
    router = start_router()
    router.post(WITH_IDS)
    reviews = router.calls("reviews")
    router.post(WITH_NAMES)
    assert router.calls("reviews") == reviews + 1


def test_private_entities_are_per_caller(start_router: Callable[..., Router]) -> None:
    router = start_router(cache=cache(enabled=False, entities=True, private_types=("Product",)))
    ada, bob = {"x-test-user": "ada"}, {"x-test-user": "bob"}
    router.post(WITH_IDS, headers=ada)
    reviews = router.calls("reviews")
    router.post(WITH_NAMES, headers=ada)
    assert router.calls("reviews") == reviews  # ada's own entities
    router.post(WITH_NAMES, headers=bob)
    assert router.calls("reviews") == reviews + 1  # never ada's for bob
    router.post(WITH_NAMES)
    router.post(WITH_NAMES)
    assert router.calls("reviews") == reviews + 3  # anonymous: never cached
