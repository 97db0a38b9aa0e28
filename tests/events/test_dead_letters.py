"""A poison event is retried, lands in the dead-letter stream after max_deliver
attempts, and is handled once replayed after the fix (`events dlq list|replay`)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.events.broker import Broker
from subgraphs.events.settings import EventSettings
from subgraphs.processors.notifications import Notification, NotificationsProcessor
from subgraphs.processors.runtime import RuntimeSettings
from subgraphs.processors.sql import NotificationRow, processor_engine
from tests.events.conftest import Stack
from tests.events.support import eventually, running, stream_messages

CREATE_RECORD = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"


class MailServer:
    """A sender whose mail server refuses anything about POISON until it is fixed."""

    def __init__(self) -> None:
        self.fixed = False
        self.sent: list[str] = []

    async def send(self, notification: Notification) -> None:
        if "POISON" in notification.subject and not self.fixed:
            raise ConnectionError("mail server refused the message")
        self.sent.append(notification.subject)


async def events_cli(settings: EventSettings, *argv: str) -> tuple[int, str]:
    env = {**os.environ, "NATS_URL": settings.nats_url, "EVENTS_NAMESPACE": settings.namespace}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("events")),
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return int(process.returncode or 0), out.decode()


async def test_poison_event_dead_lettered_then_replayed(stack: Stack) -> None:
    engine = processor_engine(stack.database_url)
    mail = MailServer()
    settings = RuntimeSettings(max_deliver=3, backoff=(0.1, 0.2))
    price = {"amount": 1, "currency": "EUR"}
    async with running(NotificationsProcessor(engine, mail), stack.events, settings) as runtime:
        for sku in ("GOOD-1", "POISON-1", "GOOD-2"):
            body = await stack.records(CREATE_RECORD, i={"sku": sku, "name": sku, "price": price})
            assert "errors" not in body, body
        letters = await eventually(
            lambda: stream_messages(stack.events, stack.events.dlq_stream), lambda m: len(m) == 1
        )
        assert len(letters) == 1
        subject, headers, event = letters[0]
        assert event["type"] == "RecordCreated" and event["data"]["record"]["sku"] == "POISON-1"
        assert subject == stack.events.subject("dlq.notifications.records.record.created")
        assert headers["Events-Attempts"] == "3"
        assert headers["Events-Event-Id"] == event["id"]
        assert "mail server refused" in headers["Events-Error"]
        assert runtime.stats.retried == 2 and runtime.stats.dead_lettered == 1
        assert sorted(mail.sent) == ["New record GOOD-1: GOOD-1", "New record GOOD-2: GOOD-2"]
        assert await subjects(engine) == ["New record GOOD-1: GOOD-1", "New record GOOD-2: GOOD-2"]

        # a malformed message is dead-lettered at once: retrying cannot fix it
        broker = Broker(stack.events, "test-poison")
        await broker.connect(attempts=2)
        try:
            await broker.publish_raw(
                stack.events.subject("records.record.created"),
                b"{not json",
                {"Nats-Msg-Id": "junk-1"},
            )
        finally:
            await broker.close()
        letters = await eventually(
            lambda: stream_messages(stack.events, stack.events.dlq_stream), lambda m: len(m) == 2
        )
        assert letters[1][1]["Events-Attempts"] == "1"
        assert letters[1][1]["Events-Error"].startswith("invalid event: not JSON")

        code, listing = await events_cli(stack.events, "dlq", "list")
        assert code == 0, listing
        assert "2 dead letters" in listing
        assert f"notifications\t{event['id']}\tRecordCreated\tattempts=3" in listing

        mail.fixed = True  # the fix
        code, out = await events_cli(stack.events, "dlq", "replay", event["id"])
        assert code == 0 and "1 replayed" in out, out
        handled = await eventually(lambda: subjects(engine), lambda s: len(s) == 3)
        assert handled == [
            "New record GOOD-1: GOOD-1",
            "New record GOOD-2: GOOD-2",
            "New record POISON-1: POISON-1",
        ]
        code, listing = await events_cli(stack.events, "dlq", "list")
        assert "1 dead letters" in listing and event["id"] not in listing
        code, out = await events_cli(stack.events, "dlq", "replay", "no-such-id")
        assert code == 1 and "no dead letter" in out
    await engine.dispose()


async def subjects(engine: Any) -> list[str]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(
            select(NotificationRow.subject).order_by(NotificationRow.subject)
        )
        return list(rows)
