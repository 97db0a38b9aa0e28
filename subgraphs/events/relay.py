"""The outbox relay: publish what a service wrote to its outbox, then mark it sent.

Why a relay: a service must never lose an event because NATS is down, and must never
publish an event for a change that did not commit. So the change and its event are
committed together (the outbox), and this loop — running inside the service — copies
outbox entries to JetStream afterwards. A crash between publish and "mark sent" makes
the relay publish again; the JetStream message id (= event id) makes the server drop
the copy within the stream's duplicate window, so each event is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

from subgraphs.events.broker import BROKER_ERRORS, Broker
from subgraphs.events.envelope import Event

log = logging.getLogger("subgraphs.events.relay")


@dataclass(frozen=True)
class OutboxLag:
    pending: int  # events committed but not yet acknowledged by JetStream
    oldest_age_seconds: float  # age of the oldest of them (0 when none)


class OutboxStore(Protocol):
    async def ready(self, limit: int) -> list[Event]:
        """Committed, unsent events, oldest first."""

    async def mark_sent(self, event_ids: list[str]) -> None: ...

    async def reconcile(self) -> int:
        """Settle entries a crashed writer left undecided; returns how many."""

    async def lag(self) -> OutboxLag: ...


class Relay:
    def __init__(
        self, store: OutboxStore, broker: Broker, batch: int = 100, poll_seconds: float = 1.0
    ) -> None:
        self.store = store
        self.broker = broker
        self.batch = batch
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    def notify(self) -> None:
        """A writer committed an event: publish now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.broker.close()

    async def _run(self) -> None:
        await self.broker.connect_forever()
        delay = self.poll_seconds
        while True:
            try:
                await self.store.reconcile()
                while await self.flush():
                    pass
                delay = self.poll_seconds
            except BROKER_ERRORS as exc:
                log.warning("relay: broker unavailable (%s); retrying in %.1fs", exc, delay)
                delay = min(delay * 2, 10.0)
            except Exception:  # the database is down, say: keep the loop alive
                log.exception("relay: pass failed; retrying in %.1fs", delay)
                delay = min(delay * 2, 10.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()

    async def flush(self) -> int:
        """Publish one batch in order; returns how many were sent (0: nothing pending)."""
        events = await self.store.ready(self.batch)
        sent: list[str] = []
        try:
            for event in events:
                await self.broker.publish(event)
                sent.append(event["id"])
        finally:
            if sent:
                await self.store.mark_sent(sent)
                self.published += len(sent)
        return len(sent)
