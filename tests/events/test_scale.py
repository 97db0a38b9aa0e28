"""Two instances of one processor share its durable consumer: every event is handled
by exactly one of them, once (`events run notifications`, twice, as processes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.events.broker import Broker
from subgraphs.events.envelope import make_event, validate
from subgraphs.events.settings import EventSettings
from subgraphs.processors.sql import NotificationRow, ProcessedEventRow, processor_engine
from tests.events.support import eventually

EVENTS = 60


def category_created(n: int) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    category = {
        "id": str(n + 1),
        "name": f"Category {n}",
        "slug": f"category-{n}",
        "description": "",
        "parentId": None,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    return validate(
        make_event("CategoryCreated", str(n + 1), {"category": category}, f"scale-{n}", now)
    )


async def test_two_instances_share_the_work_without_handling_an_event_twice(
    events: EventSettings, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}"
    env = {
        **os.environ,
        "NATS_URL": events.nats_url,
        "EVENTS_NAMESPACE": events.namespace,
        "DATABASE_URL": database_url,
        "PROCESSOR_BATCH": "1",
    }
    script = str(Path(sys.executable).with_name("events"))
    instances = [
        subprocess.Popen(
            [script, "run", "notifications"],
            env={**env, "PROCESSOR_INSTANCE": name},
            stdout=(tmp_path / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name in ("instance-a", "instance-b")
    ]
    broker = Broker(events, "test-scale")
    engine = processor_engine(database_url)
    try:
        await broker.connect(attempts=20)

        async def waiting() -> int:
            try:
                info = await broker.js.consumer_info(events.events_stream, "notifications")
            except Exception:
                return 0
            return int(info.num_waiting or 0)

        # both instances are pulling before anything is published
        assert await eventually(waiting, lambda n: n >= 2, timeout=30) >= 2
        for n in range(EVENTS):
            await broker.publish(category_created(n))

        async def rows() -> list[ProcessedEventRow]:
            async with AsyncSession(engine) as session:
                try:
                    return list(await session.scalars(select(ProcessedEventRow)))
                except Exception:
                    return []

        processed = await eventually(rows, lambda r: len(r) == EVENTS, timeout=60)
        await asyncio.sleep(1.0)  # room for a (wrong) second handling to show up
        processed = await rows()
        async with AsyncSession(engine) as session:
            notified = list(await session.scalars(select(NotificationRow.event_id)))
    finally:
        for process in instances:
            process.terminate()
        for process in instances:
            process.wait(15)
        await broker.close()
        await engine.dispose()
    logs = {p.name: p.read_text() for p in tmp_path.glob("instance-*.log")}
    assert len(processed) == EVENTS, logs
    assert {r.deliveries for r in processed} == {1}  # no event reached a handler twice
    assert sorted(notified) == sorted(f"scale-{n}" for n in range(EVENTS))
    shares = Counter(r.instance for r in processed)
    print(f"{EVENTS} events handled once each; shares {dict(shares)}")
    assert set(shares) == {"instance-a", "instance-b"}, shares  # both did work
    assert all(process.returncode == 0 for process in instances), logs
