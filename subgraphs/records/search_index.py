"""The search index the `search-index` processor keeps and `records(filter: {search})`
reads when RECORDS_SEARCH=index: a `search_index` collection, one document per record,
with the words of its name, sku, tags and description and their prefixes as `terms`
(a multikey index), so every query word must match a word or a word's start.

Why not MongoDB's `$text`: the embedded server has no text indexes; a term array works
on every MongoDB-wire server and keeps the search exact and index-backed.
"""

from __future__ import annotations

import re
from typing import Any

COLLECTION = "search_index"
WORD = re.compile(r"[^\W_]+")  # no backtracking: one pass over the text
MIN_PREFIX = 2
MAX_PREFIX = 15
MAX_QUERY_WORDS = 10
MAX_MATCHES = 1000  # a search narrows to at most this many records (then other filters)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def terms(record: dict[str, Any]) -> list[str]:
    """Every indexed word and its prefixes (2 to 15 characters), each once."""
    text = " ".join(
        [
            record.get("name", ""),
            record.get("sku", ""),
            record.get("description", ""),
            *record.get("tags", []),
        ]
    )
    found: dict[str, None] = {}
    for word in words(text):
        found[word] = None
        for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            found[word[:length]] = None
    return list(found)


def query_terms(search: str) -> list[str]:
    """The terms a search needs; words longer than MAX_PREFIX match by their prefix."""
    picked: dict[str, None] = {}
    for word in words(search)[:MAX_QUERY_WORDS]:
        picked[word if len(word) <= MAX_PREFIX else word[:MAX_PREFIX]] = None
    return list(picked)


async def matching_ids(db: Any, search: str) -> list[Any]:
    needed = query_terms(search)
    if not needed:
        return []
    cursor = (
        db[COLLECTION]
        .find({"terms": {"$all": needed}, "deleted": False}, {"_id": 1})
        .limit(MAX_MATCHES)
    )
    return [doc["_id"] async for doc in cursor]
