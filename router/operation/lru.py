"""A small LRU map: the router's caches are keyed by document text."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """Bounded mapping that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        items = self._items
        value = items.get(key)
        if value is not None:
            items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        items = self._items
        items[key] = value
        items.move_to_end(key)
        if len(items) > self.size:
            items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def newest_first(self) -> list[tuple[K, V]]:
        """Every entry, most recently used first (a snapshot: safe to keep)."""
        return list(reversed(self._items.items()))
