"""`search-index`: keeps the records' `search_index` collection (see
subgraphs/records/search_index.py) current, so `records(filter: {search})` finds new
and changed records and no longer finds deleted ones (with RECORDS_SEARCH=index).

Writes are guarded by the record version carried in each event, so events arriving
late or twice never roll an entry back; processed ids are remembered as well.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from subgraphs.embedded_mongo import EmbeddedMongo, default_data_dir
from subgraphs.events.envelope import Event
from subgraphs.processors.base import Outcome, Processor
from subgraphs.records.search_index import COLLECTION, terms

PROCESSED = "processed_events"


class SearchIndexProcessor(Processor):
    name = "search-index"
    subjects = ("records.record.*",)

    def __init__(self, mongodb_uri: str | None = None, database: str | None = None) -> None:
        super().__init__()
        self.uri = mongodb_uri or os.environ.get("MONGODB_URI") or None
        self.database = database or os.environ.get("MONGODB_DB", "records")
        self.client: AsyncMongoClient[dict[str, Any]] | None = None
        self.db: Any = None

    async def start(self) -> None:
        uri = self.uri
        if uri is None:  # the embedded server the records service uses
            uri = EmbeddedMongo(default_data_dir()).connect_or_start()
        self.client = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
        self.db = self.client[self.database]
        await self.db[COLLECTION].create_index([("terms", 1)], name="terms")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def handle(self, event: Event) -> Outcome:
        key = f"{self.name}:{event['id']}"
        processed = self.db[PROCESSED]
        if await processed.find_one_and_update({"_id": key}, {"$inc": {"deliveries": 1}}):
            return Outcome.DUPLICATE
        record = event["data"]["record"]
        if event["type"] == "RecordDeleted":
            # after the record's last version: a late Created/Updated cannot revive it
            await self._put(record["id"], record["version"] + 1, {"deleted": True, "terms": []})
        else:
            entry = {"deleted": False, "terms": terms(record), "sku": record["sku"]}
            await self._put(record["id"], record["version"], entry)
        await processed.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "deliveries": 1,
                    "instance": self.instance,
                    "processed_at": dt.datetime.now(dt.UTC),
                }
            },
            upsert=True,
        )
        return Outcome.APPLIED

    async def _put(self, record_id: str, version: int, fields: dict[str, Any]) -> None:
        """Store the entry unless a newer (or the same) version is already there."""
        with contextlib.suppress(DuplicateKeyError):  # a newer version is indexed already
            await self.db[COLLECTION].update_one(
                {"_id": ObjectId(record_id), "version": {"$lt": version}},
                {"$set": {**fields, "version": version}},
                upsert=True,
            )
