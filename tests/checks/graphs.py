"""A small two-subgraph graph (products, reviews) and helpers to check variations of it."""

from __future__ import annotations

from planner import Supergraph
from planner.checks import CheckReport, Operation, check_subgraphs
from planner.compose import Subgraph, compose

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: '
    '["@key", "@shareable", "@override", "@inaccessible", "@external", "@requires"])\n'
)

PRODUCTS = (
    LINK
    + """
type Query {
  product(id: ID!): Product
  products(first: Int, category: Category): [Product!]!
  search(filter: Filter): [Product!]!
}
enum Category { BOOKS MUSIC }
input Filter { text: String, maxPrice: Int }
type Product @key(fields: "id") {
  id: ID!
  name: String
  price: Int
  category: Category
  weight: Float
}
"""
)

REVIEWS = (
    LINK
    + """
type Product @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}
type Review {
  id: ID!
  body: String
  rating: Int
}
"""
)

BASE = {"products": PRODUCTS, "reviews": REVIEWS}


def subgraphs(**sdls: str) -> list[Subgraph]:
    """The base set with some subgraphs replaced (or added)."""
    merged = {**BASE, **sdls}
    return [Subgraph(name, f"http://{name}.internal/graphql", sdl) for name, sdl in merged.items()]


def supergraph(**sdls: str) -> Supergraph:
    result = compose(subgraphs(**sdls))
    assert not result.errors, result.errors
    assert result.supergraph_sdl is not None
    return Supergraph.parse(result.supergraph_sdl)


CURRENT = supergraph()


def check(operations: list[Operation] | None = None, **sdls: str) -> CheckReport:
    return check_subgraphs(CURRENT, subgraphs(**sdls), operations, subgraphs=sorted(sdls))


def codes(report: CheckReport) -> dict[str, tuple[str, str]]:
    """code -> (severity, coordinate) of each change (one per code in these tests)."""
    return {c.code: (c.severity.value, c.coordinate) for c in report.changes}
