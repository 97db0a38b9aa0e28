"""Connect to MongoDB: the configured one, or the embedded server on a local folder.

The embedded server is started in a thread (it blocks for about a second) and stopped on
`close()` only when this process started it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient

from subgraphs.embedded_mongo import EmbeddedMongo
from subgraphs.records.settings import Settings


@dataclass
class Database:
    client: AsyncMongoClient[dict[str, Any]]
    db: Any
    embedded: EmbeddedMongo | None = field(default=None)

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def open_database(settings: Settings, listeners: Sequence[Any] = ()) -> Database:
    """Connect (starting the embedded server without a URI); ``listeners`` are PyMongo
    event listeners (the service's spans and pool metrics)."""
    embedded: EmbeddedMongo | None = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.mongodb_data_dir)
        uri = await asyncio.to_thread(embedded.connect_or_start)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=settings.mongodb_timeout_ms,
        connectTimeoutMS=settings.mongodb_timeout_ms,
        tz_aware=True,
        event_listeners=list(listeners),
    )
    return Database(client=client, db=client[settings.mongodb_db], embedded=embedded)
