"""A bounded LRU map with hit and miss counts: the planner's plan cache, and the
router's cache of compiled operations use the same class."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A bounded LRU map (plans, compiled operations: anything with a hashable key).

    ``None`` is never stored: ``get`` returning ``None`` means a miss."""

    def __init__(self, max_size: int = 1024) -> None:
        self.max_size = max(1, max_size)
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def newest_first(self) -> list[tuple[K, V]]:
        """Every entry, most recently used first (a snapshot: safe to keep)."""
        return list(reversed(self._entries.items()))


class PlanCache(LRUCache[Any, Any]):
    """The planner's plan cache (the name its public API has always used)."""
