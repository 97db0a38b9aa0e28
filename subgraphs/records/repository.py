"""MongoDB access for records: one class, one collection, no GraphQL types.

Each write touches exactly one document, so it is atomic on any MongoDB without a
transaction; everything is validated before the write (see validation.py). Media edits
are read-modify-write guarded by a `version` field (optimistic concurrency), so two
concurrent edits of one record never lose each other's change.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from subgraphs.graphql_errors import UserInputError
from subgraphs.records import search_index
from subgraphs.records.outbox import event_ids_push

COLLECTION = "records"
Doc = dict[str, Any]


def _now() -> dt.datetime:
    """Now, at BSON's millisecond precision, so what we return equals what is stored."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def duplicate_sku(sku: str) -> UserInputError:
    return UserInputError(f"a record with sku {sku!r} already exists", "sku")


class RecordRepository:
    def __init__(self, db: Any, search_index: bool = False) -> None:
        self.db = db
        self.collection = db[COLLECTION]
        self.search_index = search_index
        self._text_index: bool | None = None

    async def get(self, record_id: ObjectId) -> Doc | None:
        return await self.collection.find_one({"_id": record_id})  # type: ignore[no-any-return]

    async def get_many(self, ids: list[ObjectId]) -> dict[ObjectId, Doc]:
        docs = await self.collection.find({"_id": {"$in": ids}}).to_list(None)
        return {doc["_id"]: doc for doc in docs}

    async def by_sku(self, sku: str) -> Doc | None:
        return await self.collection.find_one({"sku": sku})  # type: ignore[no-any-return]

    async def _has_text_index(self) -> bool:
        """$text where a text index exists (real MongoDB); a regex on name elsewhere."""
        if self._text_index is None:
            indexes = await (await self.collection.list_indexes()).to_list(None)
            self._text_index = any("text" in dict(ix["key"]).values() for ix in indexes)
        return self._text_index

    async def build_filter(
        self,
        *,
        category: str | None = None,
        tag: str | None = None,
        status: str | None = None,
        price: dict[str, float] | None = None,
        search: str | None = None,
    ) -> Doc:
        query: Doc = {}
        if category is not None:
            query["category_ids"] = category
        if tag is not None:
            query["tags"] = tag.strip().lower()
        if status is not None:
            query["status"] = status
        if price:
            query["price.amount"] = price
        if search is not None and search.strip():
            if self.search_index:
                ids = await search_index.matching_ids(self.db, search)
                query["$and"] = [{"_id": {"$in": ids}}]
            elif await self._has_text_index():
                query["$text"] = {"$search": search}
            else:
                query["name"] = {"$regex": re.escape(search.strip()), "$options": "i"}
        return query

    async def page(self, query: Doc, first: int, after: ObjectId | None) -> tuple[list[Doc], bool]:
        """Up to `first` records after the cursor, by id; and whether more follow."""
        if after is not None:
            query = {**query, "_id": {"$gt": after}}
        docs = await self.collection.find(query).sort("_id", 1).limit(first + 1).to_list(None)
        return docs[:first], len(docs) > first

    async def count(self, query: Doc) -> int:
        return int(await self.collection.count_documents(query))

    async def in_categories(self, category_ids: list[str]) -> list[Doc]:
        """Records filed under any of the categories, by id (one query for a batch)."""
        cursor = self.collection.find({"category_ids": {"$in": category_ids}}).sort("_id", 1)
        return await cursor.to_list(None)  # type: ignore[no-any-return]

    async def create(
        self, fields: Doc, record_id: ObjectId | None = None, event_id: ObjectId | None = None
    ) -> Doc:
        """Insert a record; `event_id` (the outbox intent) is stored on it in the same write."""
        if await self.by_sku(fields["sku"]) is not None:
            raise duplicate_sku(fields["sku"])
        now = _now()
        doc = {**fields, "created_at": now, "updated_at": now, "version": 1}
        if record_id is not None:
            doc["_id"] = record_id
        if event_id is not None:
            doc["event_ids"] = [event_id]
        try:
            result = await self.collection.insert_one(doc)
        except DuplicateKeyError as exc:  # lost a race with another create
            raise duplicate_sku(fields["sku"]) from exc
        doc["_id"] = result.inserted_id
        return doc

    async def update(
        self, record_id: ObjectId, changes: Doc, event_id: ObjectId | None = None
    ) -> Doc | None:
        if "sku" in changes:
            other = await self.by_sku(changes["sku"])
            if other is not None and other["_id"] != record_id:
                raise duplicate_sku(changes["sku"])
        try:
            return await self.collection.find_one_and_update(  # type: ignore[no-any-return]
                {"_id": record_id},
                {
                    "$set": {**changes, "updated_at": _now()},
                    "$inc": {"version": 1},
                    **event_ids_push(event_id),
                },
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise duplicate_sku(changes["sku"]) from exc

    async def delete(self, record_id: ObjectId, version: Any = None) -> bool:
        """Delete the record; with `version`, only if it is still at that version."""
        query: Doc = {"_id": record_id}
        if version is not None:
            query["version"] = version
        result = await self.collection.delete_one(query)
        return bool(result.deleted_count)

    async def replace_media(
        self, doc: Doc, media: list[Doc], event_id: ObjectId | None = None
    ) -> Doc | None:
        """Store a new media list if the record is still at the version we read."""
        for position, item in enumerate(media):
            item["position"] = position
        version = doc.get("version", {"$exists": False})
        return await self.collection.find_one_and_update(  # type: ignore[no-any-return]
            {"_id": doc["_id"], "version": version},
            {
                "$set": {"media": media, "updated_at": _now()},
                "$inc": {"version": 1},
                **event_ids_push(event_id),
            },
            return_document=ReturnDocument.AFTER,
        )
