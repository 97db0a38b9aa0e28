"""The subgraph client against real misbehaving servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from router.execution.subgraph_client import SubgraphClient
from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec
from tests.support import free_port

SDL = """
type Query { hello(name: String): String }
"""


@pytest.fixture(scope="module")
def servers() -> Iterator[Subgraphs]:
    subgraphs = Subgraphs()
    try:
        subgraphs.start(
            [
                SubgraphSpec("ok", SDL, root={"hello": lambda _, name="x": f"hi {name}"}),
                SubgraphSpec(
                    "slow", SDL, root={"hello": lambda _, name="x": f"hi {name}"}, delay=0.3
                ),
            ]
        )
        for mode in ("hang", "html", "close", "status500", "garbage", "notgraphql", "errors400"):
            subgraphs.start_fault(mode, mode)
        yield subgraphs
    finally:
        subgraphs.stop()


async def test_ok_answer(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    try:
        response = await client.execute(
            "ok", servers.urls["ok"], "query($n:String){hello(name:$n)}", {"n": "a"}
        )
    finally:
        await client.close()
    assert response.failure is None
    assert response.data == {"hello": "hi a"}


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("hang", "SUBGRAPH_TIMEOUT"),
        ("html", "SUBGRAPH_INVALID_RESPONSE"),
        ("close", "SUBGRAPH_REQUEST_FAILED"),
        ("status500", "SUBGRAPH_REQUEST_FAILED"),
        ("garbage", "SUBGRAPH_INVALID_RESPONSE"),
        ("notgraphql", "SUBGRAPH_INVALID_RESPONSE"),
    ],
)
async def test_failures_become_errors(servers: Subgraphs, mode: str, code: str) -> None:
    client = SubgraphClient(timeout=0.5)
    try:
        response = await client.execute(mode, servers.urls[mode], "{hello}", None)
    finally:
        await client.close()
    assert response.data is None
    assert response.failure is not None
    assert response.failure["extensions"] == {"code": code, "serviceName": mode}


async def test_connection_refused() -> None:
    client = SubgraphClient(timeout=2)
    try:
        url = f"http://127.0.0.1:{free_port()}/graphql"
        response = await client.execute("gone", url, "{hello}", None)
    finally:
        await client.close()
    assert response.failure is not None
    assert response.failure["extensions"]["code"] == "SUBGRAPH_REQUEST_FAILED"


async def test_identical_in_flight_queries_share_one_request(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    before = len(servers.requests("slow"))
    try:
        url = servers.urls["slow"]
        results = await asyncio.gather(
            *(client.execute("slow", url, "{hello}", None) for _ in range(5)),
            client.execute("slow", url, "{hello}", {"other": 1}),
        )
    finally:
        await client.close()
    assert all(r.data == {"hello": "hi x"} for r in results)
    assert results[0].data is not results[1].data  # each caller decodes its own copy
    assert len(servers.requests("slow")) - before == 2


async def test_mutations_are_never_shared(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    before = len(servers.requests("slow"))
    try:
        url = servers.urls["slow"]
        await asyncio.gather(
            *(client.execute("slow", url, "{hello}", None, share=False) for _ in range(3))
        )
    finally:
        await client.close()
    assert len(servers.requests("slow")) - before == 3


async def test_per_subgraph_timeout_overrides_the_default(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=30, timeouts={"hang": 0.3})
    try:
        response = await asyncio.wait_for(
            client.execute("hang", servers.urls["hang"], "{hello}", None), 5
        )
    finally:
        await client.close()
    assert response.failure is not None
    assert response.failure["extensions"]["code"] == "SUBGRAPH_TIMEOUT"
    assert "0.3s" in response.failure["message"]


async def test_graphql_errors_with_a_4xx_status_are_passed_on(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    try:
        response = await client.execute("errors400", servers.urls["errors400"], "{x}", None)
    finally:
        await client.close()
    assert response.failure is None
    assert response.data is None
    assert response.errors == [{"message": "bad operation"}]


async def test_waiters_survive_the_cancellation_of_the_shared_request(servers: Subgraphs) -> None:
    client = SubgraphClient(timeout=5)
    url = servers.urls["slow"]
    try:
        first = asyncio.create_task(client.execute("slow", url, "{hello}", {"c": 1}))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(client.execute("slow", url, "{hello}", {"c": 1}))
        await asyncio.sleep(0.05)
        first.cancel()
        response = await second
    finally:
        await client.close()
    assert response.data == {"hello": "hi x"}
