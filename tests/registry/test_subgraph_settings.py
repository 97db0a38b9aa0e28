"""A service's stored settings (``use_msgpack``, ``headers``, ``timeout_s``) are what
the router's requests to it use: applied on add, on PATCH without a restart or a
recomposition, and again after a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphServer, SubgraphSpec
from tests.registry.harness import RegistryRouter

SLOW_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { nap(seconds: Float!): String! whoami: String }
"""
NAP = "{ nap(seconds: 1.5) }"


async def _nap(_: Any, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


def _whoami(info: Any) -> str | None:
    value = info.context["headers"].get("Authorization")
    return str(value) if value is not None else None


def _start_slow(subgraphs: Subgraphs) -> str:
    spec = SubgraphSpec("slow", SLOW_SDL, root={"nap": _nap, "whoami": _whoami})
    return subgraphs.start([spec])["slow"]


def _server(subgraphs: Subgraphs, name: str) -> SubgraphServer:
    server = subgraphs.servers[name]
    assert isinstance(server, SubgraphServer)
    return server


def test_toggling_use_msgpack_takes_effect_without_restart(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    for name in ("products", "reviews"):
        body = {"name": name, "url": subgraphs.urls[name]}
        assert router.admin("POST", "/services", json=body).status_code == 201
    query = "{ products { upc name reviews { body } } }"
    expected = router.query(query)
    assert "errors" not in expected and len(expected["data"]["products"]) == 3
    reviews = _server(subgraphs, "reviews")
    assert reviews.msgpack_answers == 0

    patched = router.admin("PATCH", "/services/reviews", json={"use_msgpack": True})
    assert patched.status_code == 200
    version = patched.json()["supergraph"]["id"]
    assert router.query(query) == expected
    assert reviews.msgpack_answers == 1
    assert reviews.request_headers[-1]["x-msgpack-enabled"] == "1"
    assert _server(subgraphs, "products").msgpack_answers == 0

    patched = router.admin("PATCH", "/services/reviews", json={"use_msgpack": False})
    assert patched.json()["supergraph"]["id"] == version  # flags never recompose
    assert router.query(query) == expected
    assert reviews.msgpack_answers == 1
    assert "x-msgpack-enabled" not in reviews.request_headers[-1]


def test_timeout_s_is_the_subgraph_timeout(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    url = _start_slow(subgraphs)
    router = start_router(database)  # router-wide subgraph timeout: 5 s
    body = {"name": "slow", "url": url, "timeout_s": 0.5}
    assert router.admin("POST", "/services", json=body).status_code == 201
    started = time.monotonic()
    answer = router.query(NAP)
    assert time.monotonic() - started < 1.4
    assert answer["data"] is None
    error = answer["errors"][0]
    assert error["extensions"] == {"code": "SUBGRAPH_TIMEOUT", "serviceName": "slow"}
    assert "0.5s" in error["message"]

    assert router.admin("PATCH", "/services/slow", json={"timeout_s": 5}).status_code == 200
    assert router.query(NAP) == {"data": {"nap": "slept 1.5"}}


def test_headers_to_forward_follow_the_service_row_across_restarts(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    url = _start_slow(subgraphs)
    router = start_router(database)
    body = {"name": "slow", "url": url, "headers": ["Authorization"]}
    assert router.admin("POST", "/services", json=body).status_code == 201

    def whoami(target: RegistryRouter, token: str) -> Any:
        response = target.http.post(
            "/graphql", json={"query": "{ whoami }"}, headers={"Authorization": token}
        )
        return response.json()["data"]["whoami"]

    assert whoami(router, "Bearer one") == "Bearer one"
    router.stop()
    restarted = start_router(database)  # settings come from the stored row
    assert whoami(restarted, "Bearer two") == "Bearer two"
    assert restarted.admin("PATCH", "/services/slow", json={"headers": []}).status_code == 200
    assert whoami(restarted, "Bearer three") is None
    assert "authorization" not in _server(subgraphs, "slow").request_headers[-1]


def test_urls_are_replicas_balanced_with_url(
    subgraphs: Subgraphs, database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    """A service's ``urls`` are more instances beside its ``url``: PATCH applies them at
    once (no recomposition) and the requests are spread over every instance."""
    from tests.registry.harness import reviews_spec

    second = SubgraphServer(reviews_spec())
    second_url = subgraphs.loop.run(second.start())
    try:
        router = start_router(database)
        for name in ("products", "reviews"):
            body = {"name": name, "url": subgraphs.urls[name]}
            assert router.admin("POST", "/services", json=body).status_code == 201
        query = "{ products { upc reviews { body } } }"
        expected = router.query(query)
        assert "errors" not in expected
        refused = router.admin("PATCH", "/services/reviews", json={"urls": ["ftp://x"]})
        assert refused.status_code == 400 and "'urls'" in refused.text

        patched = router.admin("PATCH", "/services/reviews", json={"urls": [second_url]})
        assert patched.status_code == 200
        assert patched.json()["service"]["urls"] == [second_url]
        assert patched.json()["supergraph"]["id"] == 2  # the first two adds; no recompose
        first = _server(subgraphs, "reviews")
        before = (len(first.requests), len(second.requests))
        for _ in range(6):
            assert router.query(query) == expected
        sent = (len(first.requests) - before[0], len(second.requests) - before[1])
        assert sent == (3, 3)  # sequential requests: ties take turns
        detail = router.http.get("/health/detailed")  # anonymous: URLs left out
        replicas = detail.json()["subgraphs"]["reviews"]["replicas"]
        assert [(r["requests"], r["ejected"]) for r in replicas] == [(3, False), (3, False)]
        listed = router.admin("GET", "/services/reviews").json()["service"]
        assert listed["urls"] == [second_url]
    finally:
        subgraphs.loop.run(second.stop())
