"""A bounded LRU map with hit and miss counts: the planner's plan cache, and the
router's cache of compiled operations use the same class.

Bounded by entry count, and optionally by bytes: with ``max_bytes`` and ``weigh``
(an estimate of one entry's size), the least recently used entries are evicted
until the estimated total fits. Counting entries alone lets a thousand 2 MB
documents fill gigabytes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded LRU map (plans, compiled operations: anything with a hashable key).

    ``None`` is never stored: ``get`` returning ``None`` means a miss."""

    def __init__(
        self,
        max_size: int = 1024,
        max_bytes: int | None = None,
        weigh: Callable[[K, V], int] | None = None,
    ) -> None:
        self.max_size = max(1, max_size)
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.max_bytes = max_bytes if weigh is not None else None
        self._weigh = weigh
        self._weights: dict[K, int] = {}
        self.bytes = 0
        """The estimated size of what is stored (0 without ``weigh``)."""

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: K, value: V) -> None:
        weigh = self._weigh
        if weigh is not None:
            weight = weigh(key, value)
            if self.max_bytes is not None and weight > self.max_bytes:
                return  # larger than the whole budget: not kept at all
            self.bytes += weight - self._weights.get(key, 0)
            self._weights[key] = weight
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size or (
            self.max_bytes is not None and self.bytes > self.max_bytes
        ):
            evicted, _ = self._entries.popitem(last=False)
            if weigh is not None:
                self.bytes -= self._weights.pop(evicted, 0)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is cached, without counting a hit or refreshing it."""
        return key in self._entries

    def clear(self) -> None:
        self._entries.clear()
        self._weights.clear()
        self.bytes = 0

    def newest_first(self) -> list[tuple[K, V]]:
        """Every entry, most recently used first (a snapshot: safe to keep)."""
        return list(reversed(self._entries.items()))


class PlanCache(LRUCache[Any, Any]):
    """The planner's plan cache (the name its public API has always used)."""
