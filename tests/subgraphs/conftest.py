"""Fixtures: one embedded MongoDB server per test session (temp dir, free port), a fresh
database per test, and the records/categories services on real loopback ports."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from subgraphs.categories.app import create_app as create_categories_app
from subgraphs.categories.settings import Settings as CategoriesSettings
from subgraphs.embedded_mongo import EmbeddedMongo
from subgraphs.migrator import Migrator, discover
from subgraphs.records.app import create_app as create_records_app
from subgraphs.records.settings import Settings as RecordsSettings
from tests.subgraphs.servers import GraphQLClient, serving
from tests.support import free_port


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedMongo(tmp_path_factory.mktemp("mongo") / "data", port=free_port())
    uri = server.start()
    try:
        yield uri
    finally:
        server.stop()


@pytest.fixture
async def mongo_db(mongo_uri: str) -> AsyncIterator[Any]:
    """A database of its own for one test, dropped afterwards."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    name = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture
async def categories_url(tmp_path: Path) -> AsyncIterator[str]:
    settings = CategoriesSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    async with serving(create_categories_app(settings)) as url:
        yield url


@pytest.fixture
async def categories(categories_url: str) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(categories_url)
    yield client
    await client.close()


async def migrate(db: Any) -> None:
    await Migrator(db, discover("subgraphs.records.migrations")).up()


@pytest.fixture
async def records(
    mongo_uri: str, mongo_db: Any, categories_url: str
) -> AsyncIterator[GraphQLClient]:
    """Records service on a migrated database, checking categories against a live service."""
    await migrate(mongo_db)
    settings = RecordsSettings(
        mongodb_uri=mongo_uri, mongodb_db=mongo_db.name, categories_url=categories_url + "/graphql"
    )
    async with serving(create_records_app(settings)) as url:
        client = GraphQLClient(url)
        yield client
        await client.close()
