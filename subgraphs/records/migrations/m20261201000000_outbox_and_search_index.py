"""Outbox and search index: the collections domain events need (docs/events.md).

`outbox`: the relay reads unsent entries by (state, _id); sent entries expire after
a week (TTL on sent_at). `search_index`: the search-index processor's term index.
"""

from typing import Any

COLLECTIONS = ("outbox", "search_index")
SENT_KEPT_SECONDS = 7 * 24 * 3600


async def up(db: Any) -> None:
    await db["outbox"].create_index([("state", 1), ("_id", 1)], name="state_id")
    await db["outbox"].create_index(
        [("sent_at", 1)], name="sent_at_ttl", expireAfterSeconds=SENT_KEPT_SECONDS
    )
    await db["search_index"].create_index([("terms", 1)], name="terms")


async def down(db: Any) -> None:
    for collection, names in (("outbox", ["state_id", "sent_at_ttl"]), ("search_index", ["terms"])):
        existing = {ix["name"] for ix in await (await db[collection].list_indexes()).to_list(None)}
        for name in names:
            if name in existing:
                await db[collection].drop_index(name)
