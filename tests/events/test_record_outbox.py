"""The records outbox without a transaction: intents a crashed writer left behind are
settled from the record itself (the event id on it, or the record gone)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from subgraphs.events.envelope import validate
from subgraphs.records.outbox import RecordOutbox
from subgraphs.records.repository import RecordRepository
from tests.subgraphs.conftest import migrate

FIELDS = {
    "sku": "R-1",
    "name": "Reconciled",
    "description": "",
    "price": {"amount": 2.0, "currency": "EUR"},
    "status": "DRAFT",
    "tags": [],
    "attributes": [],
    "media": [],
    "category_ids": ["4"],
}


async def test_reconcile_settles_what_a_crashed_writer_left(mongo_db: Any) -> None:
    await migrate(mongo_db)
    outbox, repo = RecordOutbox(mongo_db), RecordRepository(mongo_db)

    # crashed after the write: the event id is on the record -> published
    record_id = ObjectId()
    created = await outbox.begin("RecordCreated", record_id)
    await repo.create(dict(FIELDS), record_id, created.id)
    # crashed before the write: nothing on the record -> dropped
    never = await outbox.begin("RecordUpdated", record_id, {"changed": ["name"]})
    # crashed after a delete: the record is gone -> published with the snapshot
    gone_id = ObjectId()
    snapshot = await repo.create({**FIELDS, "sku": "R-2"}, gone_id)
    deleted = await outbox.begin("RecordDeleted", gone_id, {"record": _snapshot(snapshot)})
    assert await repo.delete(gone_id, 1)

    assert await outbox.ready(10) == []
    assert (await outbox.lag()).pending == 3
    assert await outbox.reconcile() == 0  # younger than the grace period: left alone
    assert await outbox.reconcile(grace_seconds=-5) == 3
    ready = await outbox.ready(10)
    assert [e["id"] for e in ready] == [str(created.id), str(deleted.id)]
    assert ready[0]["data"]["record"]["name"] == "Reconciled"
    assert ready[1]["data"]["record"]["sku"] == "R-2"
    for event in ready:
        validate(event)
    assert await mongo_db["outbox"].find_one({"_id": never.id}) is None

    await outbox.mark_sent([e["id"] for e in ready])
    assert (await outbox.lag()).pending == 0
    # a late confirm of an already sent event does not bring it back
    await outbox.confirm(created, await repo.get(record_id))
    assert await outbox.ready(10) == []


def _snapshot(doc: dict[str, Any]) -> dict[str, Any]:
    from subgraphs.records.outbox import record_snapshot

    return record_snapshot(doc)
