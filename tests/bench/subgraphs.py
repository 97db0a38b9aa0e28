"""Four lean bench subgraphs (accounts, inventory, products, reviews) in one aiohttp process.

They must never be the bottleneck of a gateway benchmark, so each distinct request
body is executed once with graphql-core and its response bytes are cached: gateways
send the same few subgraph operations over and over, and from then on a request is
a dict lookup. Served at ``POST /<name>`` (the paths of the bench supergraph's
``@join__graph`` URLs) plus ``GET /health``.

``allProducts(size:)`` (products) is the long list of the large-response case, whose
``inStock`` the inventory subgraph answers for all of its products in one entity fetch.

Run: ``python -m tests.bench.subgraphs --port 4200``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from graphql import GraphQLSchema, build_schema, graphql_sync

from tests.bench import data

Resolver = Callable[[dict[str, Any]], dict[str, Any] | None]
CACHE_LIMIT = 50_000


def _user(uid: str) -> dict[str, Any]:
    return {"__typename": "User", **data.USERS[uid]}


def _product(upc: str) -> dict[str, Any]:
    return {"__typename": "Product", **data.PRODUCTS[upc]}


def _review(rid: str) -> dict[str, Any]:
    review = data.REVIEWS[rid]
    author = data.USERS[review["author"]]
    return {
        "__typename": "Review",
        "id": review["id"],
        "body": review["body"],
        "product": {"__typename": "Product", "upc": review["product"]},
        "author": {"__typename": "User", "id": author["id"], "username": author["username"]},
    }


def _inventory(rep: dict[str, Any]) -> dict[str, Any] | None:
    upc = rep.get("upc")
    if not isinstance(upc, str) or data.catalog_product(upc) is None:
        return None
    return {
        "__typename": "Product",
        "upc": upc,
        "inStock": data.INVENTORY[upc] if upc in data.INVENTORY else data.catalog_in_stock(upc),
        "shippingEstimate": data.shipping_estimate(rep.get("price"), rep.get("weight")),
    }


def _reviews_entity(rep: dict[str, Any]) -> dict[str, Any] | None:
    kind = rep.get("__typename")
    if kind == "User" and rep.get("id") in data.USERS:
        return {"__typename": "User", "id": rep["id"]}
    if kind == "Product" and rep.get("upc") in data.PRODUCTS:
        return {"__typename": "Product", "upc": rep["upc"]}
    if kind == "Review" and rep.get("id") in data.REVIEWS:
        return _review(rep["id"])
    return None


ENTITY_RESOLVERS: dict[str, Resolver] = {
    "accounts": lambda rep: _user(rep["id"]) if rep.get("id") in data.USERS else None,
    "inventory": _inventory,
    "products": lambda rep: _product(rep["upc"]) if rep.get("upc") in data.PRODUCTS else None,
    "reviews": _reviews_entity,
}


def build(name: str) -> GraphQLSchema:
    """The executable schema of one subgraph: SDL plus a few root resolvers."""
    schema = build_schema(data.FEDERATION + data.SCHEMAS[name])
    query = schema.query_type
    assert query is not None
    resolve_entity = ENTITY_RESOLVERS[name]
    query.fields["_entities"].resolve = lambda _root, _info, representations: [
        resolve_entity(rep) for rep in representations
    ]
    query.fields["_service"].resolve = lambda *_a, **_k: {"sdl": data.SCHEMAS[name]}
    entity = schema.get_type("_Entity")
    entity.resolve_type = lambda obj, *_: obj["__typename"]  # type: ignore[union-attr]
    if name == "accounts":
        query.fields["users"].resolve = lambda *_: [_user(u) for u in data.USERS]
        query.fields["me"].resolve = lambda *_: _user("1")
        query.fields["user"].resolve = lambda _r, _i, id: _user(id) if id in data.USERS else None
    if name == "products":
        query.fields["topProducts"].resolve = lambda _r, _i, first=data.TOP_PRODUCTS: [
            _product(upc) for upc in list(data.PRODUCTS)[: max(first, 0)]
        ]
        # the large-response case (tests/bench/large.py): products 1..size
        query.fields["allProducts"].resolve = lambda _r, _i, size=10: [
            {"__typename": "Product", **data.catalog_product(str(i))}  # type: ignore[dict-item]
            for i in range(1, min(max(size, 0), data.MAX_CATALOG) + 1)
        ]
    if name == "reviews":  # nested User/Product objects resolve their reviews too
        user, product = schema.get_type("User"), schema.get_type("Product")
        user.fields["reviews"].resolve = lambda obj, _i: [  # type: ignore[union-attr]
            _review(r) for r in data.user_reviews(obj["id"])
        ]
        product.fields["reviews"].resolve = lambda obj, _i: [  # type: ignore[union-attr]
            _review(r) for r in data.product_reviews(obj["upc"])
        ]
    return schema


class Subgraphs:
    """Request handler with a response cache keyed by (subgraph, request body)."""

    def __init__(self) -> None:
        self.schemas = {name: build(name) for name in data.SCHEMAS}
        self.cache: dict[tuple[str, bytes], bytes] = {}
        self.requests = 0

    def execute(self, name: str, body: bytes) -> bytes:
        try:
            request = orjson.loads(body)
            result = graphql_sync(
                self.schemas[name],
                request["query"],
                variable_values=request.get("variables"),
                operation_name=request.get("operationName"),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            return orjson.dumps({"errors": [{"message": f"bad request: {exc}"}]})
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        return orjson.dumps(out)

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.schemas:
            raise web.HTTPNotFound()
        body = await request.read()
        self.requests += 1
        key = (name, body)
        payload = self.cache.get(key)
        if payload is None:
            payload = self.execute(name, body)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[key] = payload
        return web.Response(body=payload, content_type="application/json")

    async def health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "requests": self.requests})


def app() -> web.Application:
    subgraphs = Subgraphs()
    # the large case's entity fetch carries 93,000 representations (a few MB)
    application = web.Application(client_max_size=64 * 1024 * 1024)
    application.router.add_get("/health", subgraphs.health)
    application.router.add_post("/{name}", subgraphs.handle)
    return application


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench-subgraphs", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4200)
    args = parser.parse_args(argv)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        pass
    web.run_app(app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
