"""NATS stops during mutations and comes back: every event is published exactly once.

The services keep accepting mutations while the broker is away (the outboxes hold the
events, /health/detailed shows the lag); when NATS is back the relays drain the
outboxes, and the stream holds each event id once."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.categories.outbox import OutboxRow
from subgraphs.events.broker import Broker
from subgraphs.events.envelope import validate
from subgraphs.events.nats_server import EmbeddedNats
from subgraphs.events.settings import EventSettings
from subgraphs.processors.analytics import AnalyticsProcessor
from subgraphs.processors.sql import ProcessedEventRow, processor_engine
from tests.events.conftest import Stack
from tests.events.support import eventually, running, stream_messages
from tests.support import free_port

CREATE_CATEGORY = "mutation($s: String!) { createCategory(input: {name: $s, slug: $s}) { id } }"
CREATE_RECORD = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"
UPDATE_RECORD = (
    "mutation($id: ID!, $n: String!) { updateRecord(id: $id, input: {name: $n}) { id } }"
)
DELETE_RECORD = "mutation($id: ID!) { deleteRecord(id: $id) }"
ADD_MEDIA = (
    "mutation($id: ID!) { addMedia(recordId: $id, input: "
    '{url: "https://cdn.example.com/x.jpg", kind: IMAGE}) { id } }'
)


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server only this test stops and starts (never the shared one)."""
    server = EmbeddedNats(tmp_path / "js", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def events(own_nats: EmbeddedNats) -> EventSettings:
    assert own_nats.url is not None
    return EventSettings(nats_url=own_nats.url, namespace=f"t{uuid.uuid4().hex[:10]}")


async def ok(client: Any, query: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = await client(query, **variables)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def detailed(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.get(url + "/health/detailed")).json()  # type: ignore[no-any-return]


async def record(stack: Stack, sku: str, category: str) -> str:
    price = {"amount": 5, "currency": "EUR"}
    data = await ok(
        stack.records,
        CREATE_RECORD,
        i={"sku": sku, "name": sku, "price": price, "categoryIds": [category]},
    )
    return str(data["createRecord"]["id"])


async def test_events_survive_a_broker_outage_and_are_stored_once(
    stack: Stack, own_nats: EmbeddedNats
) -> None:
    category = (await ok(stack.categories, CREATE_CATEGORY, s="before"))["createCategory"]["id"]
    first = await record(stack, "UP-1", category)
    await ok(stack.records, UPDATE_RECORD, id=first, n="up again")
    before = await eventually(lambda: stream_messages(stack.events), lambda m: len(m) == 3)
    assert len(before) == 3

    own_nats.stop()
    health = await eventually(
        lambda: detailed(stack.records_url), lambda h: h["broker"]["status"] == "unreachable"
    )
    assert health["status"] == "degraded"
    # the services keep working: 11 more events while NATS is down
    (await ok(stack.categories, CREATE_CATEGORY, s="during"))["createCategory"]["id"]
    ids = [await record(stack, f"DOWN-{n}", category) for n in range(4)]
    for record_id in ids[:3]:
        await ok(stack.records, UPDATE_RECORD, id=record_id, n="changed offline")
    await ok(stack.records, ADD_MEDIA, id=ids[0])
    await ok(stack.records, DELETE_RECORD, id=ids[1])
    await ok(stack.records, DELETE_RECORD, id=first)
    records_health = await detailed(stack.records_url)
    categories_health = await detailed(stack.categories_url)
    assert records_health["broker"]["status"] == "unreachable"
    assert records_health["outbox"]["pending"] == 10
    assert categories_health["outbox"]["pending"] == 1
    assert records_health["outbox"]["oldestAgeSeconds"] > 0

    own_nats.start()  # same port, same JetStream folder
    for url in (stack.records_url, stack.categories_url):
        drained = await eventually(
            lambda url=url: detailed(url),  # type: ignore[misc]
            lambda h: h["outbox"].get("pending") == 0 and h["broker"]["connected"],
            timeout=40,
        )
        assert drained["outbox"]["pending"] == 0 and drained["status"] == "ok", drained

    messages = await stream_messages(stack.events)
    counts = Counter(body["id"] for _, _, body in messages)
    assert len(messages) == 3 + 11 and set(counts.values()) == {1}, counts
    for _, _, body in messages:
        validate(body)
    # the stream holds exactly what the outboxes committed
    outbox_ids = {str(d["_id"]) async for d in stack.mongo_db["outbox"].find({"state": "sent"})}
    engine = processor_engine(stack.database_url)
    async with AsyncSession(engine) as session:
        outbox_ids |= set(await session.scalars(select(OutboxRow.id)))
    assert outbox_ids == set(counts)

    # a relay retrying a publish the server already has: de-duplicated by message id
    broker = Broker(stack.events, "test-republish")
    await broker.connect(attempts=2)
    try:
        ack = await broker.publish(messages[-1][2])
        assert ack.duplicate is True
    finally:
        await broker.close()
    assert len(await stream_messages(stack.events)) == 14

    # a processor consuming the whole stream handles each event once
    async with running(AnalyticsProcessor(engine), stack.events) as runtime:
        record_events = sum(1 for _, _, b in messages if b["source"] == "/subgraphs/records")
        await eventually(lambda: _processed(engine), lambda rows: len(rows) == record_events)
        assert runtime.stats.duplicates == 0
    rows = await _processed(engine)
    assert len(rows) == record_events == 12
    assert {r.deliveries for r in rows} == {1}
    await engine.dispose()


async def _processed(engine: Any) -> list[ProcessedEventRow]:
    async with AsyncSession(engine) as session:
        return list(await session.scalars(select(ProcessedEventRow)))
