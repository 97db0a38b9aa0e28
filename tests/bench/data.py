"""The bench workload's data and subgraph schemas (accounts, inventory, products, reviews).

Same shape as the field's gateway benchmark: 6 users, 9 products, 11 reviews,
5 top products, and every user's ``reviews`` list holds 2 reviews. The data is
fixed so every gateway must return byte-for-byte the same ``data``; the schemas are
the Federation v2 subgraph SDLs that compose to ``tests/bench/assets/supergraph.graphql``.
"""

from __future__ import annotations

from typing import Any

USERS: dict[str, dict[str, Any]] = {
    str(i): {
        "id": str(i),
        "name": f"User {i}",
        "username": f"@user{i}",
        "birthday": 1_000_000 + i * 86_400,
    }
    for i in range(1, 7)
}

PRODUCTS: dict[str, dict[str, Any]] = {
    str(i): {
        "upc": str(i),
        "name": f"Product {i}",
        "price": 100 * i + 99,
        "weight": 10 * i + 3,
    }
    for i in range(1, 10)
}

INVENTORY: dict[str, bool] = {str(i): i % 3 != 0 for i in range(1, 10)}

REVIEWS: dict[str, dict[str, Any]] = {
    str(i): {
        "id": str(i),
        "body": f"Review {i}: " + "lorem ipsum dolor sit amet " * (1 + i % 3),
        "product": str((i - 1) % 9 + 1),
        "author": str(min((i - 1) // 2 + 1, 6)),
    }
    for i in range(1, 12)
}

TOP_PRODUCTS = 5

# The large-response case (tests/bench/large.py): ``allProducts(size: N)`` lists the
# products 1..N, computed from their number with the formulas of PRODUCTS and
# INVENTORY above, so upcs 1-9 are the same products the heavy operation sees and its
# responses do not change. 93,000 of them with `upc name price weight inStock`
# (tests/bench/assets/large.graphql) are about 8 MB of JSON.
MAX_CATALOG = 1_000_000


def catalog_product(upc: str) -> dict[str, Any] | None:
    """Product ``upc`` of the long list (1..MAX_CATALOG), None for any other key."""
    if not upc.isdigit() or not 1 <= int(upc) <= MAX_CATALOG:
        return None
    i = int(upc)
    return {"upc": upc, "name": f"Product {i}", "price": 100 * i + 99, "weight": 10 * i + 3}


def catalog_in_stock(upc: str) -> bool:
    """INVENTORY's rule for every product of the long list."""
    return int(upc) % 3 != 0


def user_reviews(user_id: str) -> list[str]:
    """Two reviews per user, walking the 11 reviews round-robin."""
    k = int(user_id)
    return [str((2 * k - 2) % 11 + 1), str((2 * k - 1) % 11 + 1)]


def product_reviews(upc: str) -> list[str]:
    return [rid for rid, review in REVIEWS.items() if review["product"] == upc]


def shipping_estimate(price: int | None, weight: int | None) -> int | None:
    """Free above 1000, else half the weight (needs @requires(price weight))."""
    if price is None or weight is None:
        return None
    return 0 if price > 1000 else weight // 2


FEDERATION = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3",
  import: ["@key", "@shareable", "@external", "@requires", "@provides"])
scalar _Any
scalar FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @external on FIELD_DEFINITION | OBJECT
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
type _Service { sdl: String }
"""

SCHEMAS: dict[str, str] = {
    "accounts": """
type Query {
  me: User
  user(id: ID!): User
  users: [User]
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
}
type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }
union _Entity = User
""",
    "inventory": """
type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }
type Product @key(fields: "upc") {
  upc: String!
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
union _Entity = Product
""",
    "products": """
type Query {
  topProducts(first: Int = 5): [Product]
  allProducts(size: Int = 10): [Product]
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
}
type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
union _Entity = Product
""",
    "reviews": """
type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }
type Review @key(fields: "id") {
  id: ID!
  body: String
  product: Product
  author: User @provides(fields: "username")
}
type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
type Product @key(fields: "upc") { upc: String! reviews: [Review] }
union _Entity = User | Product | Review
""",
}
