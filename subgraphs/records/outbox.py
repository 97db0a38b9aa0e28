"""The records outbox: domain events committed with the record change they describe.

MongoDB (and the embedded server) give us atomic single-document writes, not
multi-document transactions. So each mutation is "intent, write, confirm":

1. insert an `outbox` entry in state `intent` with a fresh ObjectId = the event id;
2. make the record write as before (one document, version-guarded where it was), and in
   the same write push the event id onto the record's `event_ids` (the last 20 kept);
3. set the entry to `ready` with the finished event (an upsert, so it cannot be lost).

A write that surely did not happen deletes its intent; one that failed in an unknown
way (a connection lost mid-write) leaves it. If the writer dies between 1 and 3,
the relay's `reconcile` settles intents older than a grace period from the record
itself: the event id on the record (or, for a delete, the record gone) proves the write
happened, so the entry becomes `ready` (with the record as it is now); otherwise the
write never happened and the intent is dropped. The relay publishes `ready` entries and
marks them `sent`; sent entries expire after a week (TTL index).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from subgraphs.events.envelope import Event, make_event
from subgraphs.events.relay import OutboxLag

COLLECTION = "outbox"
KEEP_EVENT_IDS = 20
GRACE_SECONDS = 30.0
Doc = dict[str, Any]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def record_snapshot(doc: Doc) -> Doc:
    """The record as events carry it (schemas/defs.json#/$defs/record)."""
    price = doc.get("price") or {}
    return {
        "id": str(doc["_id"]),
        "sku": doc["sku"],
        "name": doc["name"],
        "description": doc.get("description", ""),
        "price": {"amount": float(price.get("amount", 0)), "currency": price.get("currency", "")},
        "status": doc.get("status", "DRAFT"),
        "tags": list(doc.get("tags", [])),
        "categoryIds": list(doc.get("category_ids", [])),
        "mediaCount": len(doc.get("media", [])),
        "version": int(doc.get("version", 1)),
        "createdAt": _iso(doc["created_at"]),
        "updatedAt": _iso(doc["updated_at"]),
    }


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _media(item: Doc) -> Doc:
    return {
        "id": item["id"],
        "url": item["url"],
        "kind": item["kind"],
        "altText": item.get("alt_text"),
        "position": int(item.get("position", 0)),
    }


def event_data(event_type: str, doc: Doc | None, extra: Doc) -> Doc:
    """The event's data from the record after the change (`doc`) and what the writer knew."""
    if event_type == "RecordDeleted":
        return {"record": extra["record"]}
    assert doc is not None
    if event_type == "RecordCreated":
        return {"record": record_snapshot(doc)}
    if event_type == "RecordUpdated":
        return {"record": record_snapshot(doc), "changed": [_camel(c) for c in extra["changed"]]}
    base = {
        "recordId": str(doc["_id"]),
        "version": int(doc.get("version", 1)),
        "categoryIds": list(doc.get("category_ids", [])),
    }
    if event_type == "MediaAdded":
        item = next((m for m in doc.get("media", []) if m["id"] == extra["mediaId"]), None)
        if item is None:  # removed again before a reconcile: report it as it was added
            item = extra["media"]
        return {**base, "media": _media(item)}
    if event_type == "MediaRemoved":
        return {**base, "mediaId": extra["mediaId"]}
    if event_type == "MediaReordered":
        return {**base, "mediaIds": list(extra["mediaIds"])}
    raise ValueError(f"not a records event: {event_type}")


@dataclass
class Intent:
    """An announced event; `id` goes onto the record with the write."""

    id: ObjectId
    event_type: str
    record_id: ObjectId
    extra: Doc = field(default_factory=dict)


class RecordOutbox:
    def __init__(self, db: Any, notify: Callable[[], None] = lambda: None) -> None:
        self.collection = db[COLLECTION]
        self.records = db["records"]
        self.notify = notify

    async def begin(self, event_type: str, record_id: ObjectId, extra: Doc | None = None) -> Intent:
        intent = Intent(ObjectId(), event_type, record_id, dict(extra or {}))
        await self.collection.insert_one(
            {
                "_id": intent.id,
                "state": "intent",
                "type": event_type,
                "record_id": record_id,
                "extra": intent.extra,
                "created_at": dt.datetime.now(dt.UTC),
            }
        )
        return intent

    async def confirm(
        self, intent: Intent, doc: Doc | None, time: dt.datetime | None = None
    ) -> Event:
        """The write happened: store the finished event as `ready` and wake the relay."""
        event = make_event(
            intent.event_type,
            str(intent.record_id),
            event_data(intent.event_type, doc, intent.extra),
            str(intent.id),
            time or dt.datetime.now(dt.UTC),
        )
        with contextlib.suppress(DuplicateKeyError):  # already sent: a reconcile was first
            await self.collection.update_one(
                {"_id": intent.id, "state": {"$ne": "sent"}},
                {
                    "$set": {"state": "ready", "event": event},
                    "$setOnInsert": {
                        "type": intent.event_type,
                        "record_id": intent.record_id,
                        "created_at": intent.id.generation_time,
                    },
                },
                upsert=True,
            )
        self.notify()
        return event

    async def abandon(self, intent: Intent) -> None:
        """The write did not happen (refused or lost a race): no event."""
        await self.collection.delete_one({"_id": intent.id, "state": "intent"})

    # --- the relay's side (OutboxStore) ---

    async def ready(self, limit: int) -> list[Event]:
        cursor = self.collection.find({"state": "ready"}).sort("_id", 1).limit(limit)
        return [doc["event"] async for doc in cursor]

    async def mark_sent(self, event_ids: list[str]) -> None:
        await self.collection.update_many(
            {"_id": {"$in": [ObjectId(i) for i in event_ids]}},
            {
                "$set": {"state": "sent", "sent_at": dt.datetime.now(dt.UTC)},
                "$unset": {"extra": ""},
            },
        )

    async def reconcile(self, grace_seconds: float = GRACE_SECONDS) -> int:
        cutoff = ObjectId.from_datetime(
            dt.datetime.now(dt.UTC) - dt.timedelta(seconds=grace_seconds)
        )
        settled = 0
        async for entry in self.collection.find({"state": "intent", "_id": {"$lt": cutoff}}):
            record = await self.records.find_one({"_id": entry["record_id"]})
            if entry["type"] == "RecordDeleted":
                happened = record is None
            else:
                happened = record is not None and entry["_id"] in record.get("event_ids", [])
            if happened:
                intent = Intent(entry["_id"], entry["type"], entry["record_id"], entry["extra"])
                await self.confirm(intent, record, entry["created_at"])
            else:
                await self.collection.delete_one({"_id": entry["_id"], "state": "intent"})
            settled += 1
        return settled

    async def lag(self) -> OutboxLag:
        unsent = {"state": {"$in": ["intent", "ready"]}}
        pending = int(await self.collection.count_documents(unsent))
        if not pending:
            return OutboxLag(0, 0.0)
        oldest = await self.collection.find_one(unsent, sort=[("_id", 1)])
        age = 0.0
        if oldest is not None:
            age = (dt.datetime.now(dt.UTC) - oldest["_id"].generation_time).total_seconds()
        return OutboxLag(pending, max(age, 0.0))


def event_ids_push(event_id: ObjectId | None) -> Doc:
    """The `$push` that records an event id on the record in the same write."""
    if event_id is None:
        return {}
    return {"$push": {"event_ids": {"$each": [event_id], "$slice": -KEEP_EVENT_IDS}}}
