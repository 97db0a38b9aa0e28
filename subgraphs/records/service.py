"""Record use cases: validate all input, then make one single-document write.

Why a layer between GraphQL and MongoDB: the "no partial writes" rule lives here —
every check (syntax, duplicates, category existence) happens before the write, and
each mutation is a single atomic document write. With events on, each write is wrapped
in an outbox intent and confirmation (see outbox.py); with events off, nothing extra.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from graphql import GraphQLError

from subgraphs.graphql_errors import UserInputError
from subgraphs.records import validation as v
from subgraphs.records.category_check import CategoryChecker
from subgraphs.records.outbox import Intent, RecordOutbox, record_snapshot
from subgraphs.records.repository import Doc, RecordRepository

MEDIA_KINDS = {"IMAGE", "VIDEO", "DOCUMENT"}
MEDIA_EDIT_ATTEMPTS = 25


@dataclass(frozen=True)
class MediaSpec:
    url: str
    kind: str
    alt_text: str | None = None
    position: int | None = None


def _media_item(spec: MediaSpec) -> Doc:
    if spec.kind not in MEDIA_KINDS:
        raise UserInputError(f"media.kind must be one of {sorted(MEDIA_KINDS)}", "media.kind")
    alt = None if spec.alt_text is None else v.text(spec.alt_text, "media.altText", 500, False)
    return {"id": str(ObjectId()), "url": v.url(spec.url), "kind": spec.kind, "alt_text": alt}


class RecordService:
    def __init__(
        self,
        repository: RecordRepository,
        categories: CategoryChecker,
        outbox: RecordOutbox | None = None,
    ) -> None:
        self.repo = repository
        self.categories = categories
        self.outbox = outbox

    async def _begin(
        self, event_type: str, record_id: ObjectId, extra: dict[str, Any] | None = None
    ) -> Intent | None:
        if self.outbox is None:
            return None
        return await self.outbox.begin(event_type, record_id, extra)

    async def _settle(self, intent: Intent | None, doc: Doc | None, happened: bool) -> None:
        """Confirm the intent when the write happened, drop it when it surely did not.

        Callers do not settle when the write failed in an unknown way (a connection lost
        mid-write may still have applied it): the relay's reconcile decides from the
        record later."""
        if intent is None or self.outbox is None:
            return
        if happened:
            await self.outbox.confirm(intent, doc)
        else:
            await self.outbox.abandon(intent)

    async def _written(self, intent: Intent | None, write: Awaitable[Doc | None]) -> Doc | None:
        """Run one write under an intent: refused (user error) or no match drops the
        intent, success confirms it, anything else leaves it to reconcile."""
        try:
            doc = await write
        except UserInputError:
            await self._settle(intent, None, False)
            raise
        await self._settle(intent, doc, doc is not None)
        return doc

    async def _existing(self, record_id: str, field: str = "id") -> Doc:
        doc = await self.repo.get(v.record_id(record_id, field))
        if doc is None:
            raise UserInputError(f"no record with {field} {record_id!r}", field)
        return doc

    async def _clean_categories(self, ids: list[str]) -> list[str]:
        clean = v.category_ids(ids)
        await self.categories.require_existing(clean)
        return clean

    async def create(self, data: dict[str, Any]) -> Doc:
        media: list[Doc] = []
        for spec in data.get("media", []):
            item = _media_item(spec)
            media.insert(v.position(spec.position, len(media)), item)
        if len(media) > v.MAX_MEDIA:
            raise UserInputError(f"at most {v.MAX_MEDIA} media items", "media")
        for position, item in enumerate(media):
            item["position"] = position
        fields: Doc = {
            "sku": v.sku(data["sku"]),
            "name": v.text(data["name"], "name", 200, required=True),
            "description": v.text(data.get("description", ""), "description", 5000, False),
            "price": v.price(data["price"]["amount"], data["price"]["currency"]),
            "status": data.get("status", "DRAFT"),
            "tags": v.tags(data.get("tags", [])),
            "attributes": v.attributes(data.get("attributes", [])),
            "media": media,
            "category_ids": await self._clean_categories(data.get("category_ids", [])),
        }
        record_id = ObjectId()
        intent = await self._begin("RecordCreated", record_id)
        doc = await self._written(intent, self.repo.create(fields, record_id, _event_id(intent)))
        assert doc is not None  # create returns the document or raises
        return doc

    async def update(self, record_id: str, data: dict[str, Any]) -> Doc:
        """Partial update: only keys present in `data` change."""
        oid = v.record_id(record_id)
        changes: Doc = {}
        if "sku" in data:
            changes["sku"] = v.sku(data["sku"])
        if "name" in data:
            changes["name"] = v.text(data["name"], "name", 200, required=True)
        if "description" in data:
            changes["description"] = v.text(data["description"], "description", 5000, False)
        if "price" in data:
            changes["price"] = v.price(data["price"]["amount"], data["price"]["currency"])
        if "status" in data:
            changes["status"] = data["status"]
        if "tags" in data:
            changes["tags"] = v.tags(data["tags"])
        if "attributes" in data:
            changes["attributes"] = v.attributes(data["attributes"])
        if "category_ids" in data:
            changes["category_ids"] = await self._clean_categories(data["category_ids"])
        if not changes:
            raise UserInputError("input has no fields to change", "input")
        intent = await self._begin("RecordUpdated", oid, {"changed": sorted(changes)})
        doc = await self._written(intent, self.repo.update(oid, changes, _event_id(intent)))
        if doc is None:
            raise UserInputError(f"no record with id {record_id!r}", "id")
        return doc

    async def delete(self, record_id: str) -> str:
        oid = v.record_id(record_id)
        if self.outbox is None:
            if not await self.repo.delete(oid):
                raise UserInputError(f"no record with id {record_id!r}", "id")
            return record_id
        # With events, the RecordDeleted event carries the record as it was deleted: read
        # it, then delete only if it is still at that version (else read again).
        for attempt in range(MEDIA_EDIT_ATTEMPTS):
            doc = await self.repo.get(oid)
            if doc is None:
                raise UserInputError(f"no record with id {record_id!r}", "id")
            intent = await self._begin("RecordDeleted", oid, {"record": record_snapshot(doc)})
            deleted = await self.repo.delete(oid, doc.get("version", {"$exists": False}))
            await self._settle(intent, None, deleted)
            if deleted:
                return record_id
            await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise GraphQLError(
            f"record {record_id} kept changing during the delete; try again",
            extensions={"code": "CONFLICT"},
        )

    async def _edit_media(
        self, record_id: str, edit: Any, event_type: str, extra: dict[str, Any]
    ) -> Doc:
        """Apply `edit(doc) -> new media list`, retrying if another writer got there first.

        One outbox intent covers every attempt: only the attempt that writes carries it."""
        intent: Intent | None = None
        try:
            for attempt in range(MEDIA_EDIT_ATTEMPTS):
                doc = await self._existing(record_id, "recordId")
                media = edit(doc, [dict(m) for m in sorted(doc.get("media", []), key=_pos)])
                if intent is None:
                    intent = await self._begin(event_type, doc["_id"], extra)
                updated = await self.repo.replace_media(doc, media, _event_id(intent))
                if updated is not None:
                    await self._settle(intent, updated, True)
                    return updated
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # spread retries
        except UserInputError:  # the edit became invalid (say, the media item is gone)
            await self._settle(intent, None, False)
            raise
        await self._settle(intent, None, False)
        raise GraphQLError(
            f"record {record_id} kept changing during the edit; try again",
            extensions={"code": "CONFLICT"},
        )

    async def add_media(self, record_id: str, spec: MediaSpec) -> Doc:
        item = _media_item(spec)

        def edit(_doc: Doc, media: list[Doc]) -> list[Doc]:
            if len(media) >= v.MAX_MEDIA:
                raise UserInputError(f"at most {v.MAX_MEDIA} media items", "media")
            media.insert(v.position(spec.position, len(media)), item)
            return media

        extra = {"mediaId": item["id"], "media": {**item, "position": spec.position or 0}}
        return await self._edit_media(record_id, edit, "MediaAdded", extra)

    async def remove_media(self, record_id: str, media_id: str) -> Doc:
        def edit(_doc: Doc, media: list[Doc]) -> list[Doc]:
            kept = [m for m in media if m["id"] != media_id]
            if len(kept) == len(media):
                raise UserInputError(f"record has no media with id {media_id!r}", "mediaId")
            return kept

        return await self._edit_media(record_id, edit, "MediaRemoved", {"mediaId": media_id})

    async def reorder_media(self, record_id: str, media_ids: list[str]) -> Doc:
        def edit(_doc: Doc, media: list[Doc]) -> list[Doc]:
            by_id = {m["id"]: m for m in media}
            if len(media_ids) != len(set(media_ids)) or set(media_ids) != set(by_id):
                raise UserInputError(
                    "mediaIds must list every media id of the record exactly once", "mediaIds"
                )
            return [by_id[i] for i in media_ids]

        extra = {"mediaIds": media_ids}
        return await self._edit_media(record_id, edit, "MediaReordered", extra)


def _event_id(intent: Intent | None) -> ObjectId | None:
    return None if intent is None else intent.id


def _pos(item: Doc) -> int:
    return int(item.get("position", 0))
