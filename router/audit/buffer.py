"""The audit queue: entries in arrival order, cut into one batch per flush.

Past ``hard_cap`` (ten times ``max_entries``) the oldest entry is dropped; drops
are counted (``dropped``) and logged at most once a minute. Audit entries cannot be
merged the way usage counters can.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from router.records.flusher import Batch, new_batch_id

log = logging.getLogger("router.audit")

Entry = dict[str, Any]


class AuditBuffer:
    def __init__(self, max_entries: int, on_full: Callable[[], None] = lambda: None) -> None:
        self.max_entries = max_entries
        self.hard_cap = 10 * max_entries
        self.on_full = on_full
        self.entries: deque[Entry] = deque()
        self.dropped = 0
        self._logged = 0.0

    def size(self) -> int:
        return len(self.entries)

    def full(self) -> bool:
        return len(self.entries) >= self.max_entries

    def add(self, entry: Entry) -> None:
        entries = self.entries
        if len(entries) >= self.hard_cap:
            entries.popleft()
            self.dropped += 1
            now = time.monotonic()
            if now - self._logged >= 60:
                self._logged = now
                log.error(
                    "audit queue over %d entries: oldest dropped (%d so far); is the database "
                    "reachable?",
                    self.hard_cap,
                    self.dropped,
                )
        entries.append(entry)
        if len(entries) == self.max_entries:
            self.on_full()

    def cut(self) -> Batch[list[Entry]] | None:
        if not self.entries:
            return None
        rows = list(self.entries)
        self.entries.clear()
        return Batch(new_batch_id("audit"), rows, len(rows))
