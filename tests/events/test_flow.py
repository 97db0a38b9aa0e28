"""Mutations through the gateway become events; processors update the read models.

Real parts: our NATS server, the two services in this process, the router as its own
process (over a supergraph composed from the services' SDLs), the search-index and
analytics processors consuming the real stream."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from subgraphs.devstack import ROUTER, compose_supergraph
from subgraphs.events.envelope import validate
from subgraphs.processors.analytics import AnalyticsProcessor
from subgraphs.processors.search_index import SearchIndexProcessor
from subgraphs.processors.sql import processor_engine
from tests.events.conftest import Stack
from tests.events.support import eventually, running, stream_messages
from tests.support import free_port

SDL = "{ _service { sdl } }"


@pytest.fixture
async def gateway(stack: Stack, tmp_path: Path) -> AsyncIterator[str]:
    """The router as its own process over the composed supergraph (async: the subgraphs
    serve from this event loop)."""
    urls = {
        "categories": stack.categories_url + "/graphql",
        "records": stack.records_url + "/graphql",
    }
    sdls = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for name, url in urls.items():
            sdls[name] = (await http.post(url, json={"query": SDL})).json()["data"]["_service"][
                "sdl"
            ]
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(compose_supergraph(urls, sdls))
        port = free_port()
        log = (tmp_path / "router.log").open("wb")
        command = [sys.executable, "-c", ROUTER, "serve", "--supergraph", str(supergraph)]
        command += ["--port", str(port), "--host", "127.0.0.1"]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                assert process.poll() is None, (tmp_path / "router.log").read_text()
                await asyncio.sleep(0.1)
            yield f"http://127.0.0.1:{port}/graphql"
        finally:
            process.terminate()
            process.wait(15)
            log.close()


class Gateway:
    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(timeout=30)
        self.url = url

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(self.url, json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


async def test_mutations_through_the_gateway_become_events_and_read_models(
    stack: Stack, gateway: str
) -> None:
    gw = Gateway(gateway)
    try:
        await _scenario(stack, gw)
    finally:
        await gw.http.aclose()


async def _scenario(stack: Stack, gw: Gateway) -> None:
    shoes = (await gw('mutation { createCategory(input: {name: "Shoes", slug: "shoes"}) { id } }'))[
        "createCategory"
    ]["id"]
    boots = (
        await gw(
            'mutation($p: ID) { createCategory(input: {name: "Boots", slug: "boots", parentId: $p}) { id } }',
            p=shoes,
        )
    )["createCategory"]["id"]
    create = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"
    trail = (
        await gw(
            create,
            i={
                "sku": "TRAIL-1",
                "name": "Trail runner",
                "price": {"amount": 99, "currency": "EUR"},
                "categoryIds": [shoes],
            },
        )
    )["createRecord"]["id"]
    hiker = (
        await gw(
            create,
            i={
                "sku": "HIKE-1",
                "name": "Mountain hiker",
                "price": {"amount": 150, "currency": "EUR"},
                "categoryIds": [shoes, boots],
            },
        )
    )["createRecord"]["id"]
    await gw(
        'mutation($id: ID!) { updateRecord(id: $id, input: {name: "Trail racer"}) { id } }',
        id=trail,
    )
    added = await gw(
        'mutation($id: ID!) { addMedia(recordId: $id, input: {url: "https://cdn.example.com/a.jpg", kind: IMAGE}) { media { id } } }',
        id=trail,
    )
    media_id = added["addMedia"]["media"][0]["id"]
    await gw(
        "mutation($id: ID!, $m: [ID!]!) { reorderMedia(recordId: $id, mediaIds: $m) { id } }",
        id=trail,
        m=[media_id],
    )
    await gw(
        "mutation($id: ID!, $m: ID!) { removeMedia(recordId: $id, mediaId: $m) { id } }",
        id=trail,
        m=media_id,
    )
    await gw("mutation($id: ID!) { deleteRecord(id: $id) }", id=hiker)
    await gw(
        'mutation($id: ID!) { updateCategory(id: $id, input: {parentId: null, name: "Boots!"}) { id } }',
        id=boots,
    )
    await gw("mutation($id: ID!) { deleteCategory(id: $id) }", id=boots)

    expected = [
        "CategoryCreated",
        "CategoryCreated",
        "RecordCreated",
        "RecordCreated",
        "RecordUpdated",
        "MediaAdded",
        "MediaReordered",
        "MediaRemoved",
        "RecordDeleted",
        "CategoryUpdated",
        "CategoryMoved",
        "CategoryDeleted",
    ]
    messages = await eventually(
        lambda: stream_messages(stack.events), lambda m: len(m) >= len(expected)
    )
    assert Counter(body["type"] for _, _, body in messages) == Counter(expected)
    for subject, headers, body in messages:
        validate(body)  # every event matches its JSON Schema
        assert headers["Nats-Msg-Id"] == body["id"]
        kind = body["type"]
        assert subject.startswith(stack.events.namespace + ".")
        assert subject.split(".", 1)[1].split(".")[0] == (
            "records" if kind[0] in "RM" else "categories"
        )
    by_type = {body["type"]: body for _, _, body in messages}
    assert by_type["RecordUpdated"]["data"]["changed"] == ["name"]
    assert by_type["RecordUpdated"]["data"]["record"]["name"] == "Trail racer"
    assert by_type["RecordDeleted"]["subject"] == hiker
    assert by_type["CategoryMoved"]["data"]["fromParentId"] == shoes
    assert by_type["CategoryMoved"]["data"]["toParentId"] is None
    assert by_type["MediaAdded"]["data"]["media"]["id"] == media_id

    search = "query($s: String!) { records(filter: {search: $s}) { nodes { sku } } }"
    stats = "query($c: ID!) { categoryStats(categoryId: $c) { created updated deleted } }"
    engine = processor_engine(stack.database_url)
    async with (
        running(SearchIndexProcessor(stack.mongo_uri, stack.mongo_db.name), stack.events),
        running(AnalyticsProcessor(engine), stack.events),
    ):
        found = await eventually(
            lambda: gw(search, s="trail rac"), lambda d: bool(d["records"]["nodes"])
        )
        assert found["records"]["nodes"] == [{"sku": "TRAIL-1"}]
        counted = await eventually(
            lambda: gw(stats, c=shoes),
            lambda d: d["categoryStats"] == [{"created": 2, "updated": 4, "deleted": 1}],
        )
        assert counted["categoryStats"] == [{"created": 2, "updated": 4, "deleted": 1}]
        # deleted records leave the index; a new one arrives within seconds
        assert (await gw(search, s="mountain"))["records"]["nodes"] == []
        await gw(
            create,
            i={
                "sku": "SANDAL-9",
                "name": "Beach sandal",
                "price": {"amount": 20, "currency": "EUR"},
                "categoryIds": [shoes],
            },
        )
        found = await eventually(
            lambda: gw(search, s="sandal"), lambda d: bool(d["records"]["nodes"])
        )
        assert found["records"]["nodes"] == [{"sku": "SANDAL-9"}]
        nested = await eventually(
            lambda: gw(
                "query($c: ID!) { category(id: $c) { stats(days: 1) { created } } }", c=shoes
            ),
            lambda d: d["category"]["stats"] == [{"created": 3}],
        )
        assert nested["category"]["stats"] == [{"created": 3}]
    await engine.dispose()
    await asyncio.sleep(0)
