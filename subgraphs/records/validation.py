"""Input rules for records. Each function returns the clean value or raises
`UserInputError` naming the field, so resolvers validate everything before writing."""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from bson import ObjectId
from bson.errors import InvalidId

from subgraphs.graphql_errors import UserInputError

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
CATEGORY_ID = re.compile(r"^[1-9][0-9]{0,17}$")
MAX_AMOUNT = 1_000_000_000_000
MAX_TAGS = 50
MAX_ATTRIBUTES = 100
MAX_MEDIA = 50
MAX_CATEGORIES = 20


def record_id(value: str, field: str = "id") -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError) as exc:
        raise UserInputError(f"{field} {value!r} is not a record id", field) from exc


def sku(value: str) -> str:
    if not SKU.match(value):
        raise UserInputError(
            "sku must be 1-64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            "sku",
        )
    return value


def text(value: str, field: str, max_length: int, required: bool) -> str:
    clean = value.strip()
    if required and not clean:
        raise UserInputError(f"{field} must not be empty", field)
    if len(clean) > max_length:
        raise UserInputError(f"{field} is longer than {max_length} characters", field)
    return clean


def price(amount: float, currency: str) -> dict[str, object]:
    if not math.isfinite(amount):
        raise UserInputError("price.amount must be a finite number", "price.amount")
    if amount < 0:
        raise UserInputError("price.amount must not be negative", "price.amount")
    if amount > MAX_AMOUNT:
        raise UserInputError(f"price.amount must be at most {MAX_AMOUNT}", "price.amount")
    if not CURRENCY.match(currency):
        raise UserInputError(
            "price.currency must be a three-letter ISO 4217 code like EUR", "price.currency"
        )
    return {"amount": round(float(amount), 4), "currency": currency}


def tags(values: list[str]) -> list[str]:
    if len(values) > MAX_TAGS:
        raise UserInputError(f"at most {MAX_TAGS} tags", "tags")
    clean: list[str] = []
    for value in values:
        tag = text(value, "tags", 40, required=True).lower()
        if tag not in clean:
            clean.append(tag)
    return clean


def attributes(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    if len(pairs) > MAX_ATTRIBUTES:
        raise UserInputError(f"at most {MAX_ATTRIBUTES} attributes", "attributes")
    seen: set[str] = set()
    clean: list[dict[str, str]] = []
    for key, value in pairs:
        key = text(key, "attributes.key", 64, required=True)
        if key in seen:
            raise UserInputError(f"attribute key {key!r} is given twice", "attributes.key")
        seen.add(key)
        clean.append({"key": key, "value": text(value, "attributes.value", 1000, required=False)})
    return clean


def url(value: str, field: str = "media.url") -> str:
    clean = value.strip()
    parts = urlsplit(clean)
    if (
        len(clean) > 2048
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or any(c.isspace() for c in clean)
    ):
        raise UserInputError(f"{field} must be an absolute http(s) URL, got {value!r}", field)
    return clean


def position(value: int | None, count: int) -> int:
    """Where to insert into a list of `count` items; None means at the end."""
    if value is None:
        return count
    if value < 0 or value > count:
        raise UserInputError(f"media.position must be between 0 and {count}", "media.position")
    return value


def category_ids(values: list[str]) -> list[str]:
    if len(values) > MAX_CATEGORIES:
        raise UserInputError(f"at most {MAX_CATEGORIES} categories", "categoryIds")
    clean: list[str] = []
    for value in values:
        if not CATEGORY_ID.match(value):
            raise UserInputError(f"unknown category {value!r}", "categoryIds")
        if value not in clean:
            clean.append(value)
    return clean


def page_size(first: int, maximum: int = 100) -> int:
    if first < 1 or first > maximum:
        raise UserInputError(f"first must be between 1 and {maximum}", "first")
    return first


def price_range(minimum: float | None, maximum: float | None) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for name, bound, op in (("minPrice", minimum, "$gte"), ("maxPrice", maximum, "$lte")):
        if bound is None:
            continue
        if not math.isfinite(bound) or bound < 0:
            raise UserInputError(f"filter.{name} must be a non-negative number", f"filter.{name}")
        bounds[op] = bound
    if minimum is not None and maximum is not None and minimum > maximum:
        raise UserInputError("filter.minPrice is greater than filter.maxPrice", "filter.minPrice")
    return bounds
