"""The event catalogue and its JSON Schemas: one schema per type, each a valid
Draft 2020-12 schema that accepts real events and rejects broken ones."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from subgraphs.events.catalog import EVENT_TYPES
from subgraphs.events.envelope import InvalidEvent, decode, encode, make_event, validate
from subgraphs.events.settings import EventSettings

SCHEMAS = resources.files("subgraphs.events") / "schemas"
RECORD = {
    "id": "6b0edf82300d6212dd99b4dc",
    "sku": "A-1",
    "name": "A",
    "description": "",
    "price": {"amount": 1.5, "currency": "EUR"},
    "status": "ACTIVE",
    "tags": ["x"],
    "categoryIds": ["3"],
    "mediaCount": 0,
    "version": 2,
    "createdAt": "2026-12-01T10:00:00.000Z",
    "updatedAt": "2026-12-01T10:00:01.000Z",
}
CATEGORY = {
    "id": "3",
    "name": "C",
    "slug": "c",
    "description": "",
    "parentId": None,
    "createdAt": "2026-12-01T10:00:00.000Z",
    "updatedAt": "2026-12-01T10:00:00.000Z",
}
MEDIA = {"recordId": RECORD["id"], "version": 3, "categoryIds": ["3"]}
DATA: dict[str, dict[str, Any]] = {
    "RecordCreated": {"record": RECORD},
    "RecordUpdated": {"record": RECORD, "changed": ["name"]},
    "RecordDeleted": {"record": RECORD},
    "MediaAdded": {
        **MEDIA,
        "media": {
            "id": "m1",
            "url": "https://x.example/a.jpg",
            "kind": "IMAGE",
            "altText": None,
            "position": 0,
        },
    },
    "MediaRemoved": {**MEDIA, "mediaId": "m1"},
    "MediaReordered": {**MEDIA, "mediaIds": ["m2", "m1"]},
    "CategoryCreated": {"category": CATEGORY},
    "CategoryUpdated": {"category": CATEGORY, "changed": ["slug"]},
    "CategoryMoved": {"category": CATEGORY, "fromParentId": "1", "toParentId": None},
    "CategoryDeleted": {"category": CATEGORY},
}


def sample(event_type: str) -> dict[str, Any]:
    import datetime as dt

    return make_event(
        event_type, "3", copy.deepcopy(DATA[event_type]), "e-1", dt.datetime.now(dt.UTC)
    )


def test_one_valid_schema_per_event_type() -> None:
    files = {p.name.removesuffix(".json") for p in SCHEMAS.iterdir() if p.name.endswith(".json")}
    assert files == set(EVENT_TYPES) | {"envelope", "defs"}
    for name in files:
        schema = json.loads((SCHEMAS / f"{name}.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_samples_validate_and_round_trip(event_type: str) -> None:
    event = sample(event_type)
    assert decode(encode(event)) == event
    assert event["source"] == EVENT_TYPES[event_type].source
    assert event["specversion"] == "1.0" and event["time"].endswith("Z")


@pytest.mark.parametrize(
    ("event_type", "breaks", "message"),
    [
        ("RecordCreated", lambda e: e.pop("id"), "'id' is a required property"),
        ("RecordCreated", lambda e: e["data"]["record"].pop("version"), "version"),
        ("RecordUpdated", lambda e: e["data"].update(changed=[]), "changed"),
        ("MediaAdded", lambda e: e["data"]["media"].update(kind="SOUND"), "kind"),
        ("CategoryMoved", lambda e: e["data"].update(toParentId="0"), "toParentId"),
        ("CategoryCreated", lambda e: e.update(source="/subgraphs/records"), "source"),
        ("RecordDeleted", lambda e: e["data"]["record"].update(id="nope"), "id"),
        ("RecordCreated", lambda e: e.update(type="RecordExploded"), "unknown event type"),
    ],
)
def test_broken_events_are_rejected(event_type: str, breaks: Any, message: str) -> None:
    event = sample(event_type)
    breaks(event)
    with pytest.raises(InvalidEvent, match=message):
        validate(event)


def test_undecodable_bodies_are_invalid() -> None:
    for body in (b"{", b"[]", b"\xff", b"[" * 100_000):
        with pytest.raises(InvalidEvent):
            decode(body)


def test_namespaced_names() -> None:
    plain = EventSettings()
    assert plain.subject("records.record.created") == "records.record.created"
    assert (plain.events_stream, plain.dlq_stream) == ("EVENTS", "EVENTS_DLQ")
    ns = EventSettings(namespace="run-7")
    assert ns.subject("records.>") == "run-7.records.>"
    assert (ns.events_stream, ns.dlq_stream) == ("RUN_7_EVENTS", "RUN_7_EVENTS_DLQ")
    assert ns.dlq_subject("search-index", "run-7.records.record.created") == (
        "run-7.dlq.search-index.records.record.created"
    )
    replayed = ns.replay_subject("search-index", "run-7.records.record.created")
    assert replayed == "run-7.replay.search-index.records.record.created"
    assert (
        ns.dlq_subject("search-index", replayed) == "run-7.dlq.search-index.records.record.created"
    )
    with pytest.raises(SystemExit):
        EventSettings(namespace="a.b")
