"""Sample data for `make run`: a small category tree and records with media, written
through the services' own GraphQL mutations (so it passes the same validation)."""

from __future__ import annotations

from typing import Any

import aiohttp

CATEGORIES: list[tuple[str, str, str | None]] = [
    ("Apparel", "apparel", None),
    ("Shoes", "shoes", "apparel"),
    ("Hats", "hats", "apparel"),
    ("Electronics", "electronics", None),
    ("Cameras", "cameras", "electronics"),
]

CDN = "https://cdn.example.com/catalog"

RECORDS: list[dict[str, Any]] = [
    {
        "sku": "SHOE-RUN-001",
        "name": "Trail running shoe",
        "description": "Light trail shoe with a grippy sole.",
        "price": {"amount": 129.0, "currency": "EUR"},
        "status": "ACTIVE",
        "tags": ["running", "outdoor"],
        "attributes": [{"key": "color", "value": "orange"}, {"key": "size", "value": "42"}],
        "media": [
            {"url": f"{CDN}/shoe-run-001/side.jpg", "kind": "IMAGE", "altText": "Side view"},
            {"url": f"{CDN}/shoe-run-001/sole.jpg", "kind": "IMAGE", "altText": "Sole"},
            {"url": f"{CDN}/shoe-run-001/demo.mp4", "kind": "VIDEO"},
        ],
        "categories": ["shoes"],
    },
    {
        "sku": "SHOE-CITY-002",
        "name": "City leather shoe",
        "price": {"amount": 89.5, "currency": "EUR"},
        "status": "ACTIVE",
        "tags": ["leather"],
        "media": [{"url": f"{CDN}/shoe-city-002/front.jpg", "kind": "IMAGE", "altText": "Front"}],
        "categories": ["shoes"],
    },
    {
        "sku": "HAT-STRAW-001",
        "name": "Straw sun hat",
        "price": {"amount": 24.0, "currency": "EUR"},
        "status": "DRAFT",
        "tags": ["summer"],
        "media": [{"url": f"{CDN}/hat-straw-001/front.jpg", "kind": "IMAGE", "altText": "Hat"}],
        "categories": ["hats"],
    },
    {
        "sku": "CAM-MIRRORLESS-01",
        "name": "Mirrorless camera body",
        "price": {"amount": 1299.0, "currency": "EUR"},
        "status": "ACTIVE",
        "tags": ["photo"],
        "attributes": [{"key": "sensor", "value": "full frame"}],
        "media": [
            {"url": f"{CDN}/cam-01/front.jpg", "kind": "IMAGE", "altText": "Front"},
            {"url": f"{CDN}/cam-01/manual.pdf", "kind": "DOCUMENT", "altText": "Manual"},
        ],
        "categories": ["cameras", "electronics"],
    },
]

CREATE_CATEGORY = "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id slug } }"
CREATE_RECORD = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"


class SeedError(RuntimeError):
    pass


async def _call(session: aiohttp.ClientSession, url: str, query: str, **variables: Any) -> Any:
    async with session.post(url, json={"query": query, "variables": variables}) as response:
        body = await response.json(content_type=None)
    if body.get("errors"):
        raise SeedError(f"{url}: {body['errors'][0].get('message')}")
    return body["data"]


async def seed(categories_url: str, records_url: str) -> str:
    """Seed both services unless they already hold data; returns what happened."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        existing = await _call(session, categories_url, "{ categories { id } }")
        count = await _call(session, records_url, "{ records(first: 1) { totalCount } }")
        if existing["categories"] or count["records"]["totalCount"]:
            return "existing data kept (no seeding)"
        ids: dict[str, str] = {}
        for name, slug, parent in CATEGORIES:
            made = await _call(
                session,
                categories_url,
                CREATE_CATEGORY,
                i={"name": name, "slug": slug, "parentId": ids.get(parent) if parent else None},
            )
            ids[slug] = made["createCategory"]["id"]
        for record in RECORDS:
            data = {k: v for k, v in record.items() if k != "categories"}
            data["categoryIds"] = [ids[slug] for slug in record["categories"]]
            await _call(session, records_url, CREATE_RECORD, i=data)
        return f"seeded {len(CATEGORIES)} categories and {len(RECORDS)} records"
