"""Helpers for the event tests: read a stream, wait for a condition, run a processor."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from nats.js.errors import NotFoundError

from subgraphs.events.broker import Broker
from subgraphs.events.settings import EventSettings
from subgraphs.processors.base import Processor
from subgraphs.processors.runtime import ProcessorRuntime, RuntimeSettings

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 15.0
) -> T:
    """Poll `probe` until `ok(result)`; returns the last result (the caller asserts)."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not ok(result) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        result = await probe()
    return result


async def stream_messages(
    events: EventSettings, stream: str | None = None
) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """Every message now in the stream: (subject, headers, parsed body), in order."""
    broker = Broker(events, "test-reader")
    await broker.connect(attempts=2)
    try:
        name = stream or events.events_stream
        info = await broker.js.stream_info(name)
        found: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        if not info.state.messages:
            return found
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await broker.js.get_msg(name, sequence)
            except NotFoundError:
                continue
            try:
                body = json.loads(message.data or b"null")
            except ValueError:
                body = {"raw": (message.data or b"").decode(errors="replace")}
            found.append((str(message.subject), dict(message.headers or {}), body))
        return found
    finally:
        await broker.close()


@contextlib.asynccontextmanager
async def running(
    processor: Processor, events: EventSettings, settings: RuntimeSettings | None = None
) -> AsyncIterator[ProcessorRuntime]:
    """A processor consuming in this event loop until the block ends."""
    runtime = ProcessorRuntime(processor, events, settings or RuntimeSettings(backoff=(0.2,)))
    task = asyncio.create_task(runtime.run())
    try:
        ready = asyncio.create_task(runtime.ready.wait())
        await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if task.done():
            task.result()  # raises what stopped it
        assert runtime.ready.is_set(), "processor did not start consuming"
        yield runtime
    finally:
        runtime.stop()
        await asyncio.wait_for(task, 15)
