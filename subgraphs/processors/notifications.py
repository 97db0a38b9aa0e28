"""`notifications`: the message a team would get for catalogue changes.

Each notification is written to the `notifications` table (and the log) in the same
transaction that remembers the event id, then handed to the sender; if the sender
fails, the transaction rolls back and the event is retried (then dead-lettered).
The sender is pluggable: NOTIFICATIONS_SENDER=package.module:factory names a callable
returning an object with `async send(Notification)`; the default only logs.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from subgraphs.events.envelope import Event
from subgraphs.processors.base import Outcome, Processor
from subgraphs.processors.sql import (
    NotificationRow,
    ProcessedEventRow,
    once,
    processor_engine,
)

log = logging.getLogger("subgraphs.processors.notifications")
RECIPIENT = "catalog-team@example.com"


@dataclass(frozen=True)
class Notification:
    event_id: str
    channel: str
    recipient: str
    subject: str
    body: str


class Sender(Protocol):
    async def send(self, notification: Notification) -> None: ...


class LogSender:
    """The default: the notification goes to the log (and the table) only."""

    async def send(self, notification: Notification) -> None:
        log.info("notify %s: %s", notification.recipient, notification.subject)


def load_sender(spec: str | None = None) -> Sender:
    spec = spec if spec is not None else os.environ.get("NOTIFICATIONS_SENDER", "")
    if not spec:
        return LogSender()
    module, _, attribute = spec.partition(":")
    factory: Any = getattr(importlib.import_module(module), attribute or "sender")
    return factory()  # type: ignore[no-any-return]


def compose(event: Event) -> Notification | None:
    """The notification an event deserves, if any."""
    data = event["data"]
    kind = event["type"]
    if kind == "RecordCreated":
        r = data["record"]
        subject = f"New record {r['sku']}: {r['name']}"
        body = f"{r['name']} ({r['status']}) at {r['price']['amount']} {r['price']['currency']}"
    elif kind == "RecordDeleted":
        r = data["record"]
        subject = f"Record {r['sku']} deleted"
        body = f"{r['name']} was deleted."
    elif kind == "CategoryCreated":
        c = data["category"]
        subject = f"New category {c['slug']}"
        body = f"{c['name']} was created."
    elif kind == "CategoryDeleted":
        c = data["category"]
        subject = f"Category {c['slug']} deleted"
        body = f"{c['name']} was deleted."
    else:
        return None
    return Notification(event["id"], "email", RECIPIENT, subject[:300], body)


class NotificationsProcessor(Processor):
    name = "notifications"
    subjects = ("records.record.created", "records.record.deleted", "categories.category.*")

    def __init__(self, engine: AsyncEngine | None = None, sender: Sender | None = None) -> None:
        super().__init__()
        self.engine = engine or processor_engine()
        self.sender = sender or load_sender()

    async def start(self) -> None:
        async with self.engine.begin() as connection:
            for table in (NotificationRow.__table__, ProcessedEventRow.__table__):
                await connection.run_sync(table.create, checkfirst=True)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self.engine.dispose()

    async def handle(self, event: Event) -> Outcome:
        notification = compose(event)
        if notification is None:
            return Outcome.APPLIED

        async def write_and_send(session: AsyncSession) -> None:
            n = notification
            session.add(
                NotificationRow(
                    event_id=n.event_id,
                    channel=n.channel,
                    recipient=n.recipient,
                    subject=n.subject,
                    body=n.body,
                    instance=self.instance,
                )
            )
            await session.flush()
            await self.sender.send(n)  # raises: the row rolls back, the event is retried
            log.info("notification for %s: %s", n.event_id, n.subject)

        return await once(self.engine, self.name, event["id"], self.instance, write_and_send)
