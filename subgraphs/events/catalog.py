"""Every domain event type: who publishes it and on which subject.

Subjects are `<service>.<entity>.<verb>` (`records.record.created`), optionally behind a
namespace (`EVENTS_NAMESPACE`) so test runs and tenants never share subjects.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str  # CloudEvents `type`, also the JSON Schema's file name
    service: str  # the publishing service, first token of the subject
    entity: str
    verb: str

    @property
    def subject(self) -> str:
        """The subject without namespace, e.g. `records.media.added`."""
        return f"{self.service}.{self.entity}.{self.verb}"

    @property
    def source(self) -> str:
        """CloudEvents `source`: the publishing service."""
        return f"/subgraphs/{self.service}"


EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("RecordCreated", "records", "record", "created"),
        EventType("RecordUpdated", "records", "record", "updated"),
        EventType("RecordDeleted", "records", "record", "deleted"),
        EventType("MediaAdded", "records", "media", "added"),
        EventType("MediaRemoved", "records", "media", "removed"),
        EventType("MediaReordered", "records", "media", "reordered"),
        EventType("CategoryCreated", "categories", "category", "created"),
        EventType("CategoryUpdated", "categories", "category", "updated"),
        EventType("CategoryMoved", "categories", "category", "moved"),
        EventType("CategoryDeleted", "categories", "category", "deleted"),
    )
}
