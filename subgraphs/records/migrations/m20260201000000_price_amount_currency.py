"""Price as {amount, currency}: move `price: <number>` + `currency` into one sub-document.

The first records stored `price` as a bare number with an optional top-level `currency`
(EUR when missing). `up` rewrites those documents only, so running it twice is harmless;
`down` turns the sub-document back into the old two fields.
"""

from typing import Any

from pymongo import UpdateOne

COLLECTIONS = ("records",)
DEFAULT_CURRENCY = "EUR"
NUMBER_TYPES = ["double", "int", "long", "decimal"]


async def up(db: Any) -> None:
    records = db["records"]
    ops = []
    async for doc in records.find({"price": {"$type": NUMBER_TYPES}}):
        price = {"amount": float(doc["price"]), "currency": doc.get("currency") or DEFAULT_CURRENCY}
        ops.append(
            UpdateOne({"_id": doc["_id"]}, {"$set": {"price": price}, "$unset": {"currency": ""}})
        )
    if ops:
        await records.bulk_write(ops, ordered=True)


async def down(db: Any) -> None:
    records = db["records"]
    ops = []
    async for doc in records.find({"price.amount": {"$exists": True}}):
        price = doc["price"]
        ops.append(
            UpdateOne(
                {"_id": doc["_id"]},
                {"$set": {"price": price["amount"], "currency": price.get("currency")}},
            )
        )
    if ops:
        await records.bulk_write(ops, ordered=True)
