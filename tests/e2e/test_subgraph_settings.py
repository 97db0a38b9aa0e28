"""Per-subgraph settings end to end in file mode (``GATEWAY_SUBGRAPH_HEADERS``,
``GATEWAY_SUBGRAPH_MSGPACK``) and the client's MessagePack opt-in: real subgraph
servers behind the real router, queried over HTTP."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import msgpack
import pytest

from planner.compose import Subgraph, compose
from tests.e2e.harness import RouterThread, Subgraphs
from tests.e2e.subgraph_server import SubgraphServer, SubgraphSpec

PRODUCTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { products: [Product!]! echo: Echo! }
type Product @key(fields: "upc") { upc: ID! name: String! }
type Echo { authorization: String requestId: String tenant: String }
"""
REVIEWS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "upc") { upc: ID! reviews: [Review!]! }
type Review { body: String! stars: Int! }
"""
PRODUCTS = [{"upc": "1", "name": "Table"}, {"upc": "2", "name": "Couch"}]
REVIEWS = [
    {"upc": "1", "reviews": [{"body": "Love it", "stars": 5}]},
    {"upc": "2", "reviews": [{"body": "Too soft", "stars": 2}, {"body": "Ok", "stars": 3}]},
]
QUERY = "{ products { upc name reviews { body stars } } }"
EXPECTED = {
    "products": [
        {"upc": "1", "name": "Table", "reviews": [{"body": "Love it", "stars": 5}]},
        {
            "upc": "2",
            "name": "Couch",
            "reviews": [{"body": "Too soft", "stars": 2}, {"body": "Ok", "stars": 3}],
        },
    ]
}


async def _echo(info: Any) -> dict[str, Any]:
    await asyncio.sleep(0.3)  # concurrent clients overlap, so sharing would show
    headers = info.context["headers"]
    return {
        "authorization": headers.get("Authorization"),
        "requestId": headers.get("X-Request-Id"),
        "tenant": headers.get("X-Tenant"),
    }


class Setup:
    def __init__(self, router: RouterThread, subgraphs: Subgraphs) -> None:
        self.router = router
        self.subgraphs = subgraphs
        self.http = httpx.Client(base_url=router.url, timeout=20)

    def server(self, name: str) -> SubgraphServer:
        server = self.subgraphs.servers[name]
        assert isinstance(server, SubgraphServer)
        return server


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    subgraphs = Subgraphs()
    router = None
    try:
        urls = subgraphs.start(
            [
                SubgraphSpec(
                    "products",
                    PRODUCTS_SDL,
                    rows={"Product": PRODUCTS},
                    root={"products": PRODUCTS, "echo": _echo},
                ),
                SubgraphSpec("reviews", REVIEWS_SDL, rows={"Product": REVIEWS}),
            ]
        )
        result = compose(
            [
                Subgraph(n, urls[n], s)
                for n, s in [("products", PRODUCTS_SDL), ("reviews", REVIEWS_SDL)]
            ]
        )
        assert result.ok and result.supergraph_sdl is not None, result.errors
        supergraph = tmp_path_factory.mktemp("settings") / "supergraph.graphql"
        supergraph.write_text(result.supergraph_sdl)
        router = RouterThread(
            supergraph,
            reload=False,
            subgraph_headers="*=X-Request-Id,products=Authorization",
            subgraph_msgpack="reviews",
            log_level="warning",
        )
        setup = Setup(router, subgraphs)
        yield setup
        setup.http.close()
    finally:
        if router is not None:
            router.stop()
        subgraphs.stop()


def test_listed_headers_reach_their_subgraph_and_unlisted_do_not(setup: Setup) -> None:
    headers = {"Authorization": "Bearer a", "X-Request-Id": "r-1", "X-Tenant": "t-1"}
    body = {"query": "{ echo { authorization requestId tenant } " + QUERY[1:]}
    response = setup.http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200
    answer = response.json()
    assert "errors" not in answer, answer
    assert answer["data"]["echo"] == {
        "authorization": "Bearer a",
        "requestId": "r-1",
        "tenant": None,  # not listed for any subgraph
    }
    products = setup.server("products").request_headers[-1]
    reviews = setup.server("reviews").request_headers[-1]
    assert products["authorization"] == "Bearer a" and products["x-request-id"] == "r-1"
    assert reviews["x-request-id"] == "r-1"
    assert "authorization" not in reviews  # only products lists it
    assert "x-tenant" not in products and "x-tenant" not in reviews


def test_clients_with_different_authorization_never_share(setup: Setup) -> None:
    body = {"query": "{ echo { authorization } }"}
    tokens = ["Bearer alice", "Bearer bob", "Bearer alice", "Bearer carol", "Bearer bob"]

    def ask(token: str) -> str:
        response = setup.http.post("/graphql", json=body, headers={"Authorization": token})
        return str(response.json()["data"]["echo"]["authorization"])

    with concurrent.futures.ThreadPoolExecutor(len(tokens)) as pool:
        answers = list(pool.map(ask, tokens))
    assert answers == tokens


def test_msgpack_subgraph_answers_are_decoded(setup: Setup) -> None:
    reviews = setup.server("reviews")
    products = setup.server("products")
    before_reviews, before_products = reviews.msgpack_answers, products.msgpack_answers
    response = setup.http.post("/graphql", json={"query": QUERY})
    assert response.json() == {"data": EXPECTED}
    assert reviews.msgpack_answers == before_reviews + 1
    assert products.msgpack_answers == before_products  # not enabled for products
    assert reviews.request_headers[-1]["x-msgpack-enabled"] == "1"
    assert "x-msgpack-enabled" not in products.request_headers[-1]


@pytest.mark.parametrize(
    "headers",
    [{"x-msgpack-enabled": "1"}, {"Accept": "application/x-msgpack"}],
    ids=["flag", "accept"],
)
def test_client_msgpack_opt_in(setup: Setup, headers: dict[str, str]) -> None:
    response = setup.http.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-msgpack"
    assert msgpack.unpackb(response.content) == {"data": EXPECTED}
    bad = setup.http.post("/graphql", json={"query": "{ products {"}, headers=headers)
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/x-msgpack"
    errors = msgpack.unpackb(bad.content)["errors"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


def test_without_opt_in_the_answer_is_json(setup: Setup) -> None:
    response = setup.http.post("/graphql", json={"query": QUERY})
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": EXPECTED}
    off = setup.http.post("/graphql", json={"query": QUERY}, headers={"x-msgpack-enabled": "0"})
    assert off.headers["content-type"] == "application/json"
