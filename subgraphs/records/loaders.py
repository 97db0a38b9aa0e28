"""Per-request batching for the router's entity fetches.

Why: the router resolves many `Record` or `Category` representations in one `_entities`
call. Without batching, each one would be its own MongoDB query; with these loaders a
whole `_entities` call costs one query per kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bson import ObjectId
from strawberry.dataloader import DataLoader

from subgraphs.records.repository import Doc, RecordRepository


@dataclass
class Loaders:
    repo: RecordRepository
    records: DataLoader[ObjectId, Doc | None] = field(init=False)
    by_category: DataLoader[tuple[str, int], list[Doc]] = field(init=False)

    def __post_init__(self) -> None:
        self.records = DataLoader(load_fn=self._records)
        self.by_category = DataLoader(load_fn=self._by_category)

    async def _records(self, ids: list[ObjectId]) -> list[Doc | None]:
        found = await self.repo.get_many(list(set(ids)))
        return [found.get(i) for i in ids]

    async def _by_category(self, keys: list[tuple[str, int]]) -> list[list[Doc]]:
        """keys are (category id, limit); one query for all categories in the batch."""
        grouped: dict[str, list[Doc]] = defaultdict(list)
        for doc in await self.repo.in_categories(sorted({c for c, _ in keys})):
            for category_id in doc.get("category_ids", []):
                grouped[category_id].append(doc)
        return [grouped[category_id][:limit] for category_id, limit in keys]
