"""`events status` and `events tail` against a real stream (the console script)."""

from __future__ import annotations

import json

from subgraphs.events.broker import Broker
from subgraphs.events.settings import EventSettings
from tests.events.test_dead_letters import events_cli
from tests.events.test_scale import category_created


async def test_status_and_tail(events: EventSettings) -> None:
    broker = Broker(events, "test-cli")
    await broker.connect(attempts=2)
    try:
        for n in range(3):
            await broker.publish(category_created(n))
    finally:
        await broker.close()

    code, out = await events_cli(events, "status")
    assert code == 0, out
    assert f"stream {events.events_stream}: 3 messages, max_age 604800s" in out
    assert f"stream {events.dlq_stream}: 0 messages" in out

    code, out = await events_cli(events, "tail", "categories.>", "--from-start", "--count", "2")
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith(events.namespace)]
    assert len(lines) == 2
    subject, body = lines[1].split(" ", 1)
    assert subject == events.subject("categories.category.created")
    assert json.loads(body)["id"] == "scale-1"

    code, out = await events_cli(events, "tail", "records.>", "--from-start", "--timeout", "1")
    assert code == 0 and not [
        line for line in out.splitlines() if line.startswith(events.namespace)
    ]

    code, out = await events_cli(EventSettings("nats://127.0.0.1:1", events.namespace), "status")
    assert code == 2 and "NATS unavailable" in out
