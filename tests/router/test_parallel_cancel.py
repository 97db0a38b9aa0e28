"""A cancelled request cancels every branch of a ``Parallel`` node: the one run in the
request's own task and the ones run as tasks, with no task left behind."""

from __future__ import annotations

import asyncio

from planner.plan import Fetch, Parallel, QueryPlan
from router.execution.executor import Executor
from router.execution.subgraph_client import SubgraphClient


async def test_cancelling_the_request_cancels_every_parallel_branch() -> None:
    arrived = 0

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal arrived
        arrived += 1
        await reader.read()  # until the router closes the connection

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = SubgraphClient(timeout=30)
    names = ("a", "b", "c")
    urls = {name: f"http://127.0.0.1:{port}/{name}" for name in names}
    plan = QueryPlan(Parallel(tuple(Fetch(name, f"{{ {name} }}") for name in names)))
    before = asyncio.all_tasks()
    request = asyncio.ensure_future(Executor(client, urls, {}).execute(plan, {}))
    while arrived < 3:
        await asyncio.sleep(0.01)
    assert client.in_flight == {"a": 1, "b": 1, "c": 1}
    request.cancel()
    await asyncio.sleep(0.05)
    assert request.cancelled()
    assert client.in_flight == {"a": 0, "b": 0, "c": 0}
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
    await client.close()
    server.close()
