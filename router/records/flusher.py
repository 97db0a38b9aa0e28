"""The write loop every buffer shares: flush on a timer or when full, retry, drain.

A buffer (usage, audit) cuts a ``Batch`` out of what it holds; the flusher writes
it. A batch that fails stays *pending* and is retried, identical and under the same
id, with exponential backoff (0.5 s doubling to 30 s) while new records accumulate
in the buffer beside it: the store writes the batch id in the same transaction as
its rows, so a retry after an ambiguous failure (the commit went through, the
answer was lost) is recognised and skipped, never counted twice.

``stop`` ends the loop between flushes (a flush in flight is never cancelled half
way) and then flushes what is left, retrying until ``deadline_s`` has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from router.records.metrics import BufferMetrics

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("router.records")

MIN_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
WRITE_TIMEOUT_S = 30.0
"""Longest one write may take; a write cut short is retried under the same batch id,
so whether or not it committed, it is counted once."""

T = TypeVar("T")


@dataclass(slots=True)
class Batch(Generic[T]):
    id: str
    rows: T
    count: int
    """Rows it holds (for the metrics and the buffer size)."""


def new_batch_id(service: str) -> str:
    return f"{service}:{uuid.uuid4().hex}"


class Source(Protocol[T]):
    def size(self) -> int: ...

    def cut(self) -> Batch[T] | None:
        """Everything buffered, as one batch (the buffer starts empty); None if empty."""
        ...

    def full(self) -> bool: ...


class Flusher(Generic[T]):
    def __init__(
        self,
        service: str,
        source: Source[T],
        write: Callable[[Batch[T]], Awaitable[int]],
        interval_s: float,
        meter: Any = None,
    ) -> None:
        self.service = service
        self.source = source
        self.write = write
        self.interval_s = interval_s
        self.pending: Batch[T] | None = None
        self.metrics = BufferMetrics(meter, service, self.size)
        self.flushes = 0
        self.failures = 0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._backoff = 0.0
        self._last_logged = 0.0

    def size(self) -> int:
        return self.source.size() + (self.pending.count if self.pending else 0)

    def wake(self) -> None:
        """Flush soon (the buffer is full); callable from the request path."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.service}-flusher")

    async def stop(self, deadline_s: float) -> bool:
        """Stop the loop, then flush everything; False if rows are left at the deadline."""
        self._stopping = True
        if self._task is not None:
            self._stop.set()
            self._wake.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        deadline = time.monotonic() + deadline_s
        delay = MIN_BACKOFF_S / 5
        while self.size():
            left = deadline - time.monotonic()
            if left > 0 and await self.flush_once(min(WRITE_TIMEOUT_S, left)):
                continue
            if time.monotonic() + delay > deadline:
                log.error(
                    "%s: %d row(s) could not be written before shutdown", self.service, self.size()
                )
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        return True

    async def flush_once(self, timeout_s: float = WRITE_TIMEOUT_S) -> bool:
        """Write the pending batch, or a new one cut from the buffer; True on success."""
        batch = self.pending or self.source.cut()
        if batch is None:
            return True
        self.pending = batch
        started = time.perf_counter()
        try:
            written = await asyncio.wait_for(self.write(batch), timeout_s)
        except Exception as exc:
            self.failures += 1
            self.metrics.failed((time.perf_counter() - started) * 1000)
            self._log_failure(batch, exc)
            return False
        self.pending = None
        self.flushes += 1
        self.metrics.flushed(written, (time.perf_counter() - started) * 1000)
        return True

    async def _run(self) -> None:
        while not self._stopping:
            if self._backoff:  # failing: wait it out (a full buffer does not hurry a retry)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._backoff)
            elif not self.source.full():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            if self._stopping:
                return
            if await self.flush_once():
                self._backoff = 0.0
            else:
                self._backoff = min(max(self._backoff * 2, MIN_BACKOFF_S), MAX_BACKOFF_S)

    def _log_failure(self, batch: Batch[T], exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_logged >= 10:
            self._last_logged = now
            log.warning(
                "%s: writing %d row(s) failed (%s: %s); kept and retried",
                self.service,
                batch.count,
                type(exc).__name__,
                exc,
            )


def flusher_health(flusher: Flusher[Any] | None) -> dict[str, int]:
    """The flush state ``/health/detailed`` shows for a buffer (usage or audit)."""
    return {
        "pending_batch": flusher.pending.count if flusher and flusher.pending else 0,
        "flushes": flusher.flushes if flusher else 0,
        "failures": flusher.failures if flusher else 0,
    }


async def stop_flushing(
    flusher: Flusher[Any] | None, engine: AsyncEngine | None, grace_s: float
) -> None:
    """A recording plugin's stop: flush what is buffered within the grace period,
    then close the database engine whatever happened."""
    try:
        if flusher is not None:
            await flusher.stop(grace_s)
    finally:
        if engine is not None:
            await engine.dispose()
