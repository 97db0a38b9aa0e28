"""MessagePack end to end: the records and categories services answer
``application/x-msgpack`` when asked, and a client asking the router for MessagePack
over a query spanning both gets the same answer as over JSON, with both subgraphs
having answered the router in MessagePack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import msgpack  # type: ignore[import-untyped]  # no stubs published
import pytest

from router.app import create_app
from router.config.settings import Settings
from subgraphs.devstack import SDL_QUERY, compose_supergraph
from subgraphs.msgpack_responses import wants_msgpack
from tests.subgraphs.servers import GraphQLClient, serving

CREATE_CATEGORY = "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }"
CREATE_RECORD = "mutation($input: CreateRecordInput!) { createRecord(input: $input) { id sku } }"
SPANNING = '{ categoryBySlug(slug: "shoes") { name records { sku price { amount currency } } } }'
ROUTER_ASKS = {"accept": "application/x-msgpack, application/json;q=0.9", "x-msgpack-enabled": "1"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"x-msgpack-enabled", b"1")], True),
        ([(b"x-msgpack-enabled", b"no")], False),
        ([(b"accept", b"application/json, application/x-msgpack;q=0.5")], True),
        ([(b"accept", b"application/msgpack")], True),
        ([(b"accept", b"application/x-msgpack;q=0")], False),
        ([(b"accept", b"application/json")], False),
        ([], False),
    ],
)
def test_who_asks_for_msgpack(headers: list[tuple[bytes, bytes]], expected: bool) -> None:
    assert wants_msgpack(headers) is expected


async def _both_encodings(url: str, query: str) -> tuple[httpx.Response, httpx.Response]:
    async with httpx.AsyncClient(timeout=10) as http:
        plain = await http.post(url, json={"query": query})
        packed = await http.post(url, json={"query": query}, headers=ROUTER_ASKS)
    return plain, packed


async def test_both_services_answer_msgpack_when_asked(
    categories_url: str, records: GraphQLClient
) -> None:
    for url, query in (
        (categories_url + "/graphql", "{ categories { slug } }"),
        (records.base_url + "/graphql", "{ records(first: 1) { totalCount } }"),
        (records.base_url + "/graphql", "{ records(first: -1) { totalCount } }"),  # an error
        (records.base_url + "/graphql", SDL_QUERY),
    ):
        plain, packed = await _both_encodings(url, query)
        assert plain.headers["content-type"].startswith("application/json")
        assert packed.headers["content-type"] == "application/x-msgpack"
        assert int(packed.headers["content-length"]) == len(packed.content)
        assert msgpack.unpackb(packed.content, raw=False) == plain.json()
    async with httpx.AsyncClient(timeout=10) as http:  # other routes stay JSON
        health = await http.get(records.base_url + "/health", headers=ROUTER_ASKS)
    assert health.headers["content-type"] == "application/json"


async def test_client_router_subgraphs_all_in_msgpack(
    categories: GraphQLClient, records: GraphQLClient, tmp_path: Path
) -> None:
    created = await categories(CREATE_CATEGORY, input={"name": "Shoes", "slug": "shoes"})
    category_id = created["data"]["createCategory"]["id"]
    for sku in ("S-1", "S-2"):
        body = await records(
            CREATE_RECORD,
            input={
                "sku": sku,
                "name": sku,
                "price": {"amount": 10, "currency": "EUR"},
                "categoryIds": [category_id],
            },
        )
        assert "errors" not in body, body
    urls = {
        "categories": categories.base_url + "/graphql",
        "records": records.base_url + "/graphql",
    }
    sdls = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for name, url in urls.items():
            sdls[name] = (await http.post(url, json={"query": SDL_QUERY})).json()["data"][
                "_service"
            ]["sdl"]
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(compose_supergraph(urls, sdls))

    answers: dict[str, Any] = {}
    for use_msgpack in (False, True):
        settings = Settings(
            supergraph=str(supergraph), subgraph_msgpack="*" if use_msgpack else "", reload=False
        )
        app = create_app(settings)
        async with serving(app) as router_url, httpx.AsyncClient(timeout=10) as http:
            headers = ROUTER_ASKS if use_msgpack else {}
            response = await http.post(
                router_url + "/graphql", json={"query": SPANNING}, headers=headers
            )
            client = app.state.client
            if use_msgpack:
                assert response.headers["content-type"] == "application/x-msgpack"
                answers["msgpack"] = msgpack.unpackb(response.content, raw=False)
                assert client.msgpack_answers == 2  # categories, then records
            else:
                answers["json"] = response.json()
                assert client.msgpack_answers == 0
    assert answers["msgpack"] == answers["json"]
    shoes = answers["json"]["data"]["categoryBySlug"]
    assert shoes["name"] == "Shoes"
    assert sorted(r["sku"] for r in shoes["records"]) == ["S-1", "S-2"]
