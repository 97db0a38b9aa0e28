"""Subgraph replicas in the subgraph client, against real servers on loopback:
least outstanding requests, ejection after connection failures, probes that let a
replica back in, one retry of a query on another replica and never of a mutation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from router.config.loader import parse_config
from router.config.settings import Settings, SubgraphSettings
from router.execution.balancer import Endpoint, ReplicaPool
from router.execution.subgraph_client import SubgraphClient
from tests.e2e.harness import Subgraphs
from tests.e2e.subgraph_server import SubgraphServer, SubgraphSpec
from tests.support import free_port

SDL = """
type Query { hello(name: String): String }
type Mutation { bump(name: String): String }
"""
ROOT = {"hello": lambda _, name="x": f"hi {name}", "bump": lambda _, name="x": f"bumped {name}"}


@pytest.fixture(scope="module")
def servers() -> Iterator[Subgraphs]:
    subgraphs = Subgraphs()
    try:
        subgraphs.start([SubgraphSpec("a", SDL, root=ROOT)])
        subgraphs.start_fault("hang", "hang")
        yield subgraphs
    finally:
        subgraphs.stop()


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}/graphql"


def test_pool_picks_the_least_busy_live_replica() -> None:
    one, two, three = Endpoint("http://1"), Endpoint("http://2"), Endpoint("http://3")
    pool = ReplicaPool((one, two, three), eject_after=2)
    one.outstanding, two.outstanding, three.outstanding = 4, 1, 2
    assert all(pool.pick() is two for _ in range(6))
    assert pool.failed(two) is False and pool.failed(two) is True  # second failure ejects
    assert two.ejected and two.ejections == 1
    assert all(pool.pick() is three for _ in range(6))
    assert pool.pick(exclude=three) is one
    pool.succeeded(two)
    assert not two.ejected and two.failures == 0
    # Ties take turns; every replica ejected: still picked (fail open).
    one.outstanding = two.outstanding = three.outstanding = 0
    assert {pool.pick() for _ in range(3)} == {one, two, three}
    for endpoint in (one, two, three):
        endpoint.ejected = True
    assert pool.pick() is not None
    assert ReplicaPool((one,), 3).pick(exclude=one) is None


async def test_requests_go_to_the_replica_with_fewest_outstanding(servers: Subgraphs) -> None:
    """One request hangs on ``hang``; while it is out, every new one goes to ``a``
    (round robin would send every second one into the hang)."""
    urls = (servers.urls["a"], servers.urls["hang"])
    client = SubgraphClient(timeout=60, subgraphs={"hello": SubgraphSettings(urls=urls)})
    before = len(servers.requests("a"))
    query = "query($n:String){hello(name:$n)}"
    try:
        first = [
            asyncio.create_task(client.execute("hello", "http://unused", query, {"n": f"f{i}"}))
            for i in range(2)
        ]
        # One on each replica (ties take turns); wait for the one that answers.
        await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
        rest = [
            await client.execute("hello", "http://unused", query, {"n": str(i)}) for i in range(6)
        ]
        replicas = client.replicas("hello")
        for task in first:
            task.cancel()
        await asyncio.gather(*first, return_exceptions=True)
    finally:
        await client.close()
    assert [r.data for r in rest] == [{"hello": f"hi {i}"} for i in range(6)]
    assert len(servers.requests("a")) - before == 7  # one of the first two, then all six
    assert replicas is not None
    assert [r["outstanding"] for r in replicas] == [0, 1]


async def test_query_moves_to_another_replica_and_the_dead_one_is_ejected(
    servers: Subgraphs,
) -> None:
    dead = _dead_url()
    urls = (dead, servers.urls["a"])
    client = SubgraphClient(
        timeout=5,
        subgraphs={"hello": SubgraphSettings(urls=urls)},
        eject_after=2,
        probe_interval_s=60,
    )
    try:
        answers = [
            await client.execute("hello", dead, "query($n:String){hello(name:$n)}", {"n": str(i)})
            for i in range(8)
        ]
        replicas = client.replicas("hello")
    finally:
        await client.close()
    assert [r.failure for r in answers] == [None] * 8
    assert [r.data for r in answers] == [{"hello": f"hi {i}"} for i in range(8)]
    assert replicas is not None
    by_url = {r["url"]: r for r in replicas}
    assert by_url[dead]["ejected"] is True
    assert by_url[dead]["requests"] == 2  # two refusals, then no more requests
    assert client.retries == 2


async def test_a_mutation_is_never_retried(servers: Subgraphs) -> None:
    dead = _dead_url()
    client = SubgraphClient(
        timeout=5, subgraphs={"m": SubgraphSettings(urls=(dead, servers.urls["a"]))}
    )
    before = len(servers.requests("a"))
    try:
        answers = [
            await client.execute(
                "m", dead, "mutation($n:String){bump(name:$n)}", {"n": str(i)}, share=False
            )
            for i in range(2)
        ]
    finally:
        await client.close()
    failed = [r for r in answers if r.failure is not None]
    assert len(failed) == 1  # ties take turns: one of the two went to the dead replica
    assert failed[0].failure is not None
    assert failed[0].failure["extensions"]["code"] == "SUBGRAPH_REQUEST_FAILED"
    assert len(servers.requests("a")) - before == 1
    assert client.retries == 0


async def test_an_ejected_replica_is_probed_back_in(servers: Subgraphs) -> None:
    port = free_port()
    late = f"http://127.0.0.1:{port}/graphql"
    client = SubgraphClient(
        timeout=5,
        subgraphs={"hello": SubgraphSettings(urls=(late, servers.urls["a"]))},
        eject_after=1,
        probe_interval_s=0.05,
    )
    server = SubgraphServer(SubgraphSpec("late", SDL, root=ROOT))
    try:
        for i in range(2):
            await client.execute("hello", late, "query($n:String){hello(name:$n)}", {"n": str(i)})
        replicas = client.replicas("hello")
        assert replicas is not None and replicas[0]["ejected"] is True
        await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(server.start(port=port), servers.loop.loop)
        )
        for _ in range(400):  # the prober runs every 0.05 s; wait up to ~20 s
            replicas = client.replicas("hello")
            assert replicas is not None
            if not replicas[0]["ejected"]:
                break
            await asyncio.sleep(0.05)
        assert replicas[0]["ejected"] is False
        answers = [
            await client.execute("hello", late, "query($n:String){hello(name:$n)}", {"n": f"x{i}"})
            for i in range(4)
        ]
        assert all(r.failure is None for r in answers)
        assert len(server.requests) >= 2  # back in rotation (probes are not counted here)
    finally:
        await client.close()
        await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(server.stop(), servers.loop.loop)
        )


def test_router_yaml_urls_reach_the_subgraph_settings() -> None:
    model = parse_config(
        """
subgraphs:
  all: {eject_after: 5, probe_interval_s: 0.5}
  records:
    urls: [http://r1:8080/graphql, http://r2:8080/graphql]
""",
        environ={},
    )
    settings = Settings(**model.settings())
    assert (settings.subgraph_eject_after, settings.subgraph_probe_interval_s) == (5, 0.5)
    _, named = settings.subgraph_settings()
    assert named["records"].urls == ("http://r1:8080/graphql", "http://r2:8080/graphql")


def test_router_yaml_refuses_a_url_that_is_not_http() -> None:
    from router.config.errors import ConfigError

    with pytest.raises(ConfigError, match=r"subgraphs\.records\.urls"):
        parse_config("subgraphs:\n  records:\n    urls: [ftp://r1/graphql]\n", environ={})
