"""Initial indexes: unique sku, category, tag, status, price, and text search on name.

Text indexes exist on MongoDB but not on the embedded server (SecantusDB); there the
migration creates an ordinary index on name and the service searches with a
case-insensitive regex instead of `$text` (it checks which index exists).
"""

from typing import Any

from pymongo.errors import OperationFailure

COLLECTIONS = ("records",)

PLAIN_INDEXES = {
    "sku_unique": ([("sku", 1)], {"unique": True}),
    "category_ids": ([("category_ids", 1)], {}),
    "tags": ([("tags", 1)], {}),
    "status": ([("status", 1)], {}),
    "price_amount": ([("price.amount", 1)], {}),
}


async def up(db: Any) -> None:
    records = db["records"]
    for name, (keys, options) in PLAIN_INDEXES.items():
        await records.create_index(keys, name=name, **options)
    try:
        await records.create_index([("name", "text")], name="name_text")
    except OperationFailure:
        await records.create_index([("name", 1)], name="name")


async def down(db: Any) -> None:
    records = db["records"]
    existing = {ix["name"] for ix in await (await records.list_indexes()).to_list(None)}
    for name in [*PLAIN_INDEXES, "name_text", "name"]:
        if name in existing:
            await records.drop_index(name)
