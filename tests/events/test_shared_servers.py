"""On the machine's shared servers: NATS at NATS_URL (default 127.0.0.1:4222) and
PostgreSQL. The categories outbox table and the analytics counters on PostgreSQL, events
on the shared JetStream under a namespace of their own (streams deleted afterwards).
Skips when a server is unreachable, except in CI where that is a failure."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from subgraphs.categories.app import create_app
from subgraphs.categories.settings import Settings
from subgraphs.events.broker import Broker
from subgraphs.events.envelope import make_event, validate
from subgraphs.events.settings import EventSettings
from subgraphs.processors.analytics import AnalyticsProcessor
from subgraphs.processors.sql import processor_engine
from tests.events.support import eventually, running, stream_messages
from tests.subgraphs.servers import GraphQLClient, serving
from tests.support import require_server

SHARED_NATS = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest.fixture
async def shared_events() -> AsyncIterator[EventSettings]:
    where = urlsplit(SHARED_NATS)
    require_server(where.hostname or "127.0.0.1", where.port or 4222, "NATS")
    settings = EventSettings(nats_url=SHARED_NATS, namespace=f"t{uuid.uuid4().hex[:10]}")
    yield settings
    broker = Broker(settings, "test-cleanup")
    await broker.connect(attempts=2)
    try:
        for stream in (settings.events_stream, settings.dlq_stream):
            await broker.js.delete_stream(stream)
    finally:
        await broker.close()


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    require_server("127.0.0.1", 5432, "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(user="postgres", host="127.0.0.1", database="test")
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield schema
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


def record_event(kind: str, n: int, categories: list[str]) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record = {
        "id": f"{n:024x}",
        "sku": f"PG-{n}",
        "name": "pg",
        "description": "",
        "price": {"amount": 1.0, "currency": "EUR"},
        "status": "ACTIVE",
        "tags": [],
        "categoryIds": categories,
        "mediaCount": 0,
        "version": 1,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    data: dict[str, Any] = {"record": record}
    if kind == "RecordUpdated":
        data["changed"] = ["name"]
    return validate(make_event(kind, record["id"], data, f"pg-{kind}-{n}", now))


async def test_categories_outbox_and_analytics_on_postgresql_and_shared_nats(
    shared_events: EventSettings, pg_schema: str
) -> None:
    settings = Settings(database_url=PG_URL, database_schema=pg_schema, events=shared_events)
    async with serving(create_app(settings)) as url:
        api = GraphQLClient(url)
        try:
            made = await api('mutation { createCategory(input: {name: "A", slug: "a"}) { id } }')
            category = made["data"]["createCategory"]["id"]
            await api(
                'mutation($id: ID!) { updateCategory(id: $id, input: {name: "B"}) { id } }',
                id=category,
            )
            messages = await eventually(
                lambda: stream_messages(shared_events), lambda m: len(m) == 2
            )
            assert [b["type"] for _, _, b in messages] == ["CategoryCreated", "CategoryUpdated"]
            for _, _, body in messages:
                validate(body)

            broker = Broker(shared_events, "test-publisher")
            await broker.connect(attempts=2)
            try:
                for n, kind in enumerate(
                    ["RecordCreated", "RecordCreated", "RecordUpdated", "RecordDeleted"]
                ):
                    await broker.publish(record_event(kind, n, [category]))
                again = await broker.publish(record_event("RecordCreated", 0, [category]))
                assert again.duplicate is True  # same event id: stored once
            finally:
                await broker.close()

            engine = processor_engine(PG_URL, pg_schema)
            query = (
                "query($c: ID!) { categoryStats(categoryId: $c) { day created updated deleted } }"
            )
            async with running(AnalyticsProcessor(engine), shared_events):
                body = await eventually(
                    lambda: api(query, c=category),
                    lambda b: (
                        b.get("data")
                        and b["data"]["categoryStats"]
                        and b["data"]["categoryStats"][0]["deleted"] == 1
                    ),
                )
            await engine.dispose()
            today = dt.datetime.now(dt.UTC).date().isoformat()
            assert body["data"]["categoryStats"] == [
                {"day": today, "created": 2, "updated": 1, "deleted": 1}
            ]
        finally:
            await api.close()
