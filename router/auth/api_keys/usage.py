"""``last_used_at``, written in batches.

A verification only notes the moment in a dict (no I/O on the request path); a
background task writes the latest moment per key every ``flush_interval_s``, in
one transaction, and once more on stop. So N requests with one key cost at most one
write per interval, and a database hiccup loses nothing but that batch's timestamps
(they are put back and retried)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from router.auth.api_keys.store import ApiKeyStore

log = logging.getLogger("router.auth.api_keys")

MAX_PENDING = 100_000
"""Most distinct keys remembered between flushes (only valid keys are noted)."""


class LastUsedRecorder:
    def __init__(self, store: ApiKeyStore, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        self.pending: dict[str, datetime] = {}
        self.flushes = 0
        """Batches written (tests and /health read it)."""
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def note(self, key_id: str, moment: datetime) -> None:
        if key_id in self.pending or len(self.pending) < MAX_PENDING:
            self.pending[key_id] = moment

    async def start(self) -> None:
        if self._task is None and self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="api-keys-last-used")

    async def stop(self) -> None:
        """End the loop between batches (a batch being written is never cancelled half
        way, which would lose it), then write what is left."""
        if self._task is not None:
            self._stopping.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, {}
        try:
            await self.store.touch(batch)
            self.flushes += 1
        except Exception:
            log.warning("could not write last_used_at for %d API key(s)", len(batch), exc_info=True)
            for key_id, moment in batch.items():  # keep them for the next try
                if key_id not in self.pending:
                    self.note(key_id, moment)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
            await self.flush()
