"""The in-memory aggregate: one list of counters per (hour, client kind, client,
operation name, operation hash).

``record`` is the request path's whole cost: a key tuple, a dict lookup and a few
additions. ``cut`` swaps the dict for an empty one and hands the old one to the
flusher. Memory is bounded: past ``hard_cap`` keys (ten times ``max_keys``), the
oldest key is merged into its hour's overflow row (client kind ``overflow``), so
request counts stay exact while the number of rows stops growing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from router.records.flusher import Batch, new_batch_id
from router.records.models import BUCKETS, DURATION_BOUNDS_MS

Key = tuple[int, str, str, str, str]
"""(hour start in epoch seconds, client kind, client, operation name, operation hash)."""

REQUESTS, ERRORS, DURATION, BYTES, FIRST_BUCKET = 0, 1, 2, 3, 4
WIDTH = FIRST_BUCKET + BUCKETS
OVERFLOW = "overflow"
KNOWN_DOCUMENTS = 50_000
"""Hashes whose document was already written, remembered so it is sent once."""


@dataclass(slots=True)
class UsageRows:
    counters: dict[Key, list[float]]
    documents: dict[str, tuple[str | None, str | None]]
    """hash -> (operation name, document text or None) for every hash in ``counters``."""


class UsageBuffer:
    def __init__(
        self,
        max_keys: int,
        on_full: Callable[[], None] = lambda: None,
        record_documents: bool = True,
        max_document_bytes: int = 64 * 1024,
    ) -> None:
        self.max_keys = max_keys
        self.hard_cap = 10 * max_keys
        self.on_full = on_full
        self.record_documents = record_documents
        self.max_document_bytes = max_document_bytes
        self.counters: dict[Key, list[float]] = {}
        self.documents: dict[str, tuple[str | None, str | None]] = {}
        self.known: OrderedDict[str, None] = OrderedDict()
        self.merged = 0
        """Keys folded into an overflow row (counts kept, detail lost)."""

    def size(self) -> int:
        return len(self.counters)

    def full(self) -> bool:
        return len(self.counters) >= self.max_keys

    def record(
        self,
        key: Key,
        error: bool,
        duration_ms: float,
        size: int,
        document: str | None = None,
    ) -> None:
        counters = self.counters
        row = counters.get(key)
        if row is None:
            if len(counters) >= self.hard_cap:
                key = self._make_room(key)
                row = counters.get(key)
            if row is None:
                row = counters[key] = [0.0] * WIDTH
                if len(counters) == self.max_keys:
                    self.on_full()
            digest = key[4]
            if digest and digest not in self.documents:
                self._note_document(digest, key[3], document)
        row[REQUESTS] += 1
        if error:
            row[ERRORS] += 1
        row[DURATION] += duration_ms
        row[BYTES] += size
        row[FIRST_BUCKET + bisect_left(DURATION_BOUNDS_MS, duration_ms)] += 1

    def _note_document(self, digest: str, name: str, document: str | None) -> None:
        text = None
        if self.record_documents and document is not None and digest not in self.known:
            limit = self.max_document_bytes
            if len(document) * 4 <= limit or len(document.encode("utf-8", "replace")) <= limit:
                text = document
        self.documents[digest] = (name or None, text)

    def _make_room(self, key: Key) -> Key:
        """Fold the oldest key into its hour's overflow row; returns the key to count
        under (the new key itself, or an overflow row if only those are left)."""
        counters = self.counters
        oldest = next(iter(counters))
        if oldest[1] == OVERFLOW:
            return (key[0], OVERFLOW, "*", "", "")
        values = counters.pop(oldest)
        target = (oldest[0], OVERFLOW, "*", "", "")
        into = counters.get(target)
        if into is None:
            counters[target] = values
        else:
            for i, value in enumerate(values):
                into[i] += value
        self.merged += 1
        return key

    def cut(self) -> Batch[UsageRows] | None:
        if not self.counters:
            return None
        counters, self.counters = self.counters, {}
        documents, self.documents = self.documents, {}
        for digest, (_, text) in documents.items():
            if text is not None:
                self.known[digest] = None
                if len(self.known) > KNOWN_DOCUMENTS:
                    self.known.popitem(last=False)
        return Batch(new_batch_id("usage"), UsageRows(counters, documents), len(counters))
