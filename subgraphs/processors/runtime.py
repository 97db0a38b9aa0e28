"""Drive a Processor from a durable JetStream pull consumer.

- One durable consumer per processor (name = processor name) on the EVENTS stream,
  declared at start (idempotent). Every running instance binds to it and fetches from
  it, so instances share the work and no message goes to two of them at once.
- Ack after the handler succeeded. A failure is retried with `nak(delay)` following
  the backoff list; the attempt that reaches `max_deliver` publishes the message to
  the dead-letter stream (`dlq.<processor>.<subject>`, with the error in headers) and
  terminates it. A malformed event goes there at once (retrying cannot fix it).
- The server-side `max_deliver` is one more than ours: if an instance dies during the
  last attempt, the next delivery still dead-letters the event instead of dropping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from subgraphs.events.broker import BROKER_ERRORS, Broker
from subgraphs.events.envelope import InvalidEvent, decode
from subgraphs.events.settings import EventSettings
from subgraphs.processors.base import Outcome, Processor

log = logging.getLogger("subgraphs.processors")


@dataclass(frozen=True)
class RuntimeSettings:
    max_deliver: int = 5
    backoff: tuple[float, ...] = (1.0, 5.0, 30.0, 60.0)
    ack_wait: float = 30.0
    batch: int = 10

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> RuntimeSettings:
        env = dict(os.environ if env is None else env)
        try:
            backoff = tuple(
                float(x) for x in env.get("PROCESSOR_BACKOFF", "1,5,30,60").split(",") if x
            )
            return cls(
                max_deliver=int(env.get("PROCESSOR_MAX_DELIVER", "5")),
                backoff=backoff or (1.0,),
                ack_wait=float(env.get("PROCESSOR_ACK_WAIT", "30")),
                batch=int(env.get("PROCESSOR_BATCH", "10")),
            )
        except ValueError as exc:
            raise SystemExit(f"bad PROCESSOR_* setting: {exc}") from exc

    def delay(self, attempt: int) -> float:
        """Wait before attempt `attempt + 1` (attempts count from 1)."""
        return self.backoff[min(attempt - 1, len(self.backoff) - 1)]


@dataclass
class Stats:
    applied: int = 0
    duplicates: int = 0
    retried: int = 0
    dead_lettered: int = 0
    applied_ids: list[str] = field(default_factory=list)


def _header(value: str) -> str:
    """A header value: one line, bounded."""
    return " ".join(value.split())[:500]


class ProcessorRuntime:
    def __init__(
        self,
        processor: Processor,
        events: EventSettings,
        settings: RuntimeSettings | None = None,
    ) -> None:
        self.processor = processor
        self.events = events
        self.settings = settings or RuntimeSettings()
        self.broker = Broker(events, f"processor-{processor.name}-{processor.instance}")
        self.stats = Stats()
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()  # set once consuming

    def consumer_config(self) -> ConsumerConfig:
        subjects = [self.events.subject(s) for s in self.processor.subjects]
        subjects.append(self.events.subject(f"replay.{self.processor.name}.>"))
        return ConsumerConfig(
            durable_name=self.processor.name,
            description=f"event processor {self.processor.name}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.settings.ack_wait,
            max_deliver=self.settings.max_deliver + 1,
            filter_subjects=subjects,
            max_ack_pending=1000,
        )

    async def declare(self) -> None:
        """Create the durable consumer, or update it to this configuration."""
        await self.broker.js.add_consumer(self.events.events_stream, self.consumer_config())

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await self.processor.start()
        try:
            await self.broker.connect_forever()
            await self.declare()
            subscription = await self.broker.js.pull_subscribe_bind(
                durable=self.processor.name, stream=self.events.events_stream
            )
            log.info(
                "%s: consuming %s", self.processor.name, self.consumer_config().filter_subjects
            )
            self.ready.set()
            while not self._stop.is_set():
                try:
                    messages = await subscription.fetch(self.settings.batch, timeout=1.0)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except BROKER_ERRORS as exc:
                    log.warning("%s: fetch failed (%s); retrying", self.processor.name, exc)
                    await asyncio.sleep(1.0)
                    continue
                for message in messages:
                    await self.process(message)
        finally:
            await self.broker.close()
            await self.processor.close()

    async def process(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        try:
            event = decode(message.data)
        except InvalidEvent as exc:
            await self._dead_letter(message, f"invalid event: {exc}", attempt, None)
            return
        try:
            outcome = await self.processor.handle(event)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if attempt >= self.settings.max_deliver:
                await self._dead_letter(message, reason, attempt, event)
            else:
                self.stats.retried += 1
                delay = self.settings.delay(attempt)
                log.warning(
                    "%s: event %s attempt %d failed (%s); retry in %.1fs",
                    self.processor.name,
                    event["id"],
                    attempt,
                    reason,
                    delay,
                )
                with contextlib.suppress(*BROKER_ERRORS):  # not acked: redelivered anyway
                    await message.nak(delay=delay)
            return
        if outcome is Outcome.APPLIED:
            self.stats.applied += 1
            self.stats.applied_ids.append(event["id"])
        else:
            self.stats.duplicates += 1
        with contextlib.suppress(*BROKER_ERRORS):  # a lost ack: redelivered, then DUPLICATE
            await message.ack()

    async def _dead_letter(
        self, message: Msg, reason: str, attempt: int, event: dict[str, Any] | None
    ) -> None:
        sequence = message.metadata.sequence.stream
        headers = {
            "Nats-Msg-Id": f"{self.processor.name}:{sequence}:{attempt}",
            "Events-Processor": self.processor.name,
            "Events-Error": _header(reason),
            "Events-Attempts": str(attempt),
            "Events-Subject": message.subject,
            "Events-Stream-Sequence": str(sequence),
            "Events-Event-Id": _header(str((event or {}).get("id", ""))),
        }
        subject = self.events.dlq_subject(self.processor.name, message.subject)
        try:
            await self.broker.publish_raw(subject, message.data, headers)
        except BROKER_ERRORS as exc:  # keep it in the stream; it will come back
            log.warning("%s: dead-lettering failed (%s)", self.processor.name, exc)
            with contextlib.suppress(*BROKER_ERRORS):
                await message.nak(delay=self.settings.delay(attempt))
            return
        self.stats.dead_lettered += 1
        log.error(
            "%s: event %s dead-lettered after %d attempts: %s",
            self.processor.name,
            headers["Events-Event-Id"] or f"seq {sequence}",
            attempt,
            reason,
        )
        with contextlib.suppress(*BROKER_ERRORS):
            await message.term()
