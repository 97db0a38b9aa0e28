"""Does a category id exist? The records service cannot read the categories database.

Decision: ids are always checked for syntax (categories uses positive integer ids). When
CATEGORIES_URL is set, they are also looked up through the categories subgraph's own
`_entities` field — the same call the router makes — and unknown ids are rejected with
BAD_USER_INPUT. If that service cannot be reached, the write is refused (code
SERVICE_UNAVAILABLE) rather than storing an unchecked reference.
"""

from __future__ import annotations

import aiohttp
from graphql import GraphQLError

from subgraphs.graphql_errors import UserInputError

QUERY = "query($r:[_Any!]!){_entities(representations:$r){... on Category{id}}}"


class CategoryChecker:
    def __init__(self, categories_url: str | None, timeout: float = 5.0) -> None:
        self.url = categories_url
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def require_existing(self, ids: list[str]) -> None:
        if not self.url or not ids:
            return
        payload = {
            "query": QUERY,
            "variables": {"r": [{"__typename": "Category", "id": i} for i in ids]},
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as session,
                session.post(self.url, json=payload) as response,
            ):
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise GraphQLError(
                f"cannot check categories: categories service unreachable ({exc!r})",
                extensions={"code": "SERVICE_UNAVAILABLE"},
            ) from exc
        entities = (body.get("data") or {}).get("_entities")
        if not isinstance(entities, list) or len(entities) != len(ids):
            raise GraphQLError(
                f"cannot check categories: unexpected answer {body.get('errors')!r}",
                extensions={"code": "SERVICE_UNAVAILABLE"},
            )
        for category_id, entity in zip(ids, entities, strict=False):
            if entity is None:
                raise UserInputError(f"unknown category {category_id!r}", "categoryIds")
