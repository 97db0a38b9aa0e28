"""Two small subgraphs with ``@cacheControl`` hints, composed with ``@composeDirective``,
for the cache tests: ``catalog`` (products, the caller's own ``me``, a failing field,
a counter with a 1 s TTL) and ``reviews`` (reviews of products: entity fetches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.compose import Subgraph, compose
from router.pipeline.context import ClientIdentity, RequestContext
from router.pipeline.plugin import Plugin
from tests.e2e.subgraph_server import SubgraphSpec

_CATALOG_TYPES = """
type Query {
  products: [Product!]!
  product(id: ID!): Product
  me: Viewer
  flaky: String
  ticker: Int %(ticker)s
}
type Mutation { touch(id: ID!): Product }
type Product @key(fields: "id") %(product)s { id: ID!  name: String  price: Int }
type Viewer %(viewer)s { id: ID!  name: String }
"""
_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", '
    'import: ["@key", "@composeDirective"])\n'
)
_HINTED = (
    _LINK
    + '  @link(url: "https://example.com/cache/v1.0", import: ["@cacheControl"])\n'
    + '  @composeDirective(name: "@cacheControl")\n'
    + "enum CacheControlScope { PUBLIC PRIVATE }\n"
    + "directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean)"
    + " on FIELD_DEFINITION | OBJECT | INTERFACE | UNION\n"
    + _CATALOG_TYPES
    % {
        "ticker": "@cacheControl(maxAge: 1)",
        "product": "@cacheControl(maxAge: 60)",
        "viewer": "@cacheControl(maxAge: 30, scope: PRIVATE)",
    }
)
CATALOG_SERVED = _LINK + _CATALOG_TYPES % {"ticker": "", "product": "", "viewer": ""}
REVIEWS = (
    _LINK + 'type Product @key(fields: "id") { id: ID!  reviews: [Review!]! }\n'
    "type Review { body: String }\n"
)
PRODUCTS = [{"id": f"p{i}", "name": f"Product {i}", "price": 10 * i} for i in range(1, 6)]


class HeaderIdentity(Plugin):
    """Stands in for API keys / JWT: ``x-test-user`` is the caller."""

    async def on_request(self, ctx: RequestContext) -> None:
        user = ctx.http.headers.get("x-test-user")
        if user:
            ctx.client = ClientIdentity(user, "jwt")


def specs() -> list[SubgraphSpec]:
    ticks = {"n": 0}

    def me(info: Any) -> dict[str, Any] | None:
        user = info.context["headers"].get("x-test-user")
        return {"id": user, "name": f"name of {user}"} if user else None

    def ticker(_: Any) -> int:
        ticks["n"] += 1
        return ticks["n"]

    def flaky(_: Any) -> str:
        raise RuntimeError("flaky failed")

    def product(_: Any, id: str) -> dict[str, Any] | None:
        return next((dict(p) for p in PRODUCTS if p["id"] == id), None)

    catalog = SubgraphSpec(
        "catalog",
        CATALOG_SERVED,
        rows={"Product": [dict(p) for p in PRODUCTS]},
        root={
            "products": [dict(p) for p in PRODUCTS],
            "product": product,
            "me": me,
            "flaky": flaky,
            "ticker": ticker,
        },
        mutation={"touch": product},
    )
    reviews = SubgraphSpec(
        "reviews",
        REVIEWS,
        rows={
            "Product": [
                {"id": p["id"], "reviews": [{"body": f"review of {p['id']}"}]} for p in PRODUCTS
            ]
        },
    )
    return [catalog, reviews]


def write_supergraph(urls: dict[str, str], path: Path) -> Path:
    result = compose(
        [
            Subgraph("catalog", urls["catalog"], _HINTED),
            Subgraph("reviews", urls["reviews"], REVIEWS),
        ]
    )
    assert result.ok and result.supergraph_sdl is not None, result.errors
    path.write_text(result.supergraph_sdl)
    return path
