"""Each class of change a subgraph proposal can make, classified BREAKING, DANGEROUS or
SAFE, with the coordinate it is about (API schema changes come from graphql-core,
federation ones from the supergraphs' join metadata)."""

from __future__ import annotations

import pytest

from planner.checks import Severity, diff_supergraphs
from tests.checks.graphs import CURRENT, LINK, PRODUCTS, REVIEWS, check, codes


def test_unchanged_subgraph_has_no_changes_and_passes() -> None:
    report = check(products=PRODUCTS)
    assert report.composed
    assert report.changes == ()
    assert report.passed
    assert diff_supergraphs(CURRENT, CURRENT) == []


@pytest.mark.parametrize(
    ("old", "new", "code", "severity", "coordinate"),
    [
        ("  weight: Float\n", "", "FIELD_REMOVED", "BREAKING", "Product.weight"),
        ("  price: Int\n", "  price: String\n", "FIELD_CHANGED_KIND", "BREAKING", "Product.price"),
        (
            "  name: String\n",
            "  name: String!\n",
            "FIELD_CHANGED_KIND_SAFE",
            "SAFE",
            "Product.name",
        ),
        (
            "products(first: Int,",
            "products(first: Int!,",
            "ARG_CHANGED_KIND",
            "BREAKING",
            "Query.products(first:)",
        ),
        (
            "search(filter: Filter)",
            "search(filter: Filter, sort: String!)",
            "REQUIRED_ARG_ADDED",
            "BREAKING",
            "Query.search(sort:)",
        ),
        (
            "search(filter: Filter)",
            "search(filter: Filter, sort: String)",
            "OPTIONAL_ARG_ADDED",
            "DANGEROUS",  # graphql-core: an implementation's resolver may not expect it
            "Query.search(sort:)",
        ),
        (
            "maxPrice: Int }",
            "maxPrice: Int! }",
            "FIELD_CHANGED_KIND",
            "BREAKING",
            "Filter.maxPrice",
        ),
        (
            "maxPrice: Int }",
            "maxPrice: Int, inStock: Boolean! }",
            "REQUIRED_INPUT_FIELD_ADDED",
            "BREAKING",
            "Filter.inStock",
        ),
        ("{ BOOKS MUSIC }", "{ BOOKS }", "VALUE_REMOVED_FROM_ENUM", "BREAKING", "Category.MUSIC"),
        (
            "{ BOOKS MUSIC }",
            "{ BOOKS MUSIC GAMES }",
            "VALUE_ADDED_TO_ENUM",
            "DANGEROUS",
            "Category.GAMES",
        ),
        (
            "  weight: Float\n",
            "  weight: Float\n  sku: String\n",
            "FIELD_ADDED",
            "SAFE",
            "Product.sku",
        ),
        (
            "  products(first: Int, category: Category): [Product!]!\n",
            "  products(first: Int = 10, category: Category): [Product!]!\n",
            "ARG_DEFAULT_VALUE_ADDED",
            "SAFE",
            "Query.products(first:)",
        ),
        (
            "type Product @key",
            "type Shelf { id: ID! }\ntype Product @key",
            "TYPE_ADDED",
            "SAFE",
            "Shelf",
        ),
    ],
)
def test_products_change_is_classified(
    old: str, new: str, code: str, severity: str, coordinate: str
) -> None:
    assert old in PRODUCTS
    report = check(products=PRODUCTS.replace(old, new, 1))
    assert report.composed, report.composition_errors
    assert codes(report).get(code) == (severity, coordinate), report.changes


def test_removed_type_is_breaking() -> None:
    reviews = REVIEWS.replace("  reviews: [Review!]!\n", "").replace(
        "type Review {\n  id: ID!\n  body: String\n  rating: Int\n}\n", ""
    )
    found = codes(check(reviews=reviews))
    assert found["TYPE_REMOVED"] == ("BREAKING", "Review")
    assert found["FIELD_REMOVED"] == ("BREAKING", "Product.reviews")


def test_field_moved_with_override_is_reported_with_both_subgraphs() -> None:
    reviews = REVIEWS.replace(
        "  reviews: [Review!]!\n",
        '  reviews: [Review!]!\n  price: Int @override(from: "products")\n',
    )
    report = check(reviews=reviews)
    assert report.composed, report.composition_errors
    (change,) = [c for c in report.changes if c.code == "FIELD_OVERRIDDEN"]
    assert change.severity is Severity.DANGEROUS
    assert change.coordinate == "Product.price"
    assert "reviews" in change.message and "products" in change.message
    assert change.kind == "federation"
    assert report.passed  # no API change: clients see the same schema


def test_removed_key_is_dangerous() -> None:
    products = PRODUCTS.replace(
        'type Product @key(fields: "id")', 'type Product @key(fields: "id") @key(fields: "name")'
    )
    current_with_two_keys = check(products=products).supergraph_sdl
    assert current_with_two_keys is not None
    from planner import Supergraph
    from planner.checks import check_subgraphs
    from tests.checks.graphs import subgraphs

    report = check_subgraphs(Supergraph.parse(current_with_two_keys), subgraphs())
    found = [c for c in report.changes if c.code == "KEY_REMOVED"]
    assert [(c.severity, c.coordinate) for c in found] == [(Severity.DANGEROUS, "Product")]
    assert '"name"' in found[0].message and "products" in found[0].message
    added = check(products=products)
    assert codes(added)["KEY_ADDED"] == ("SAFE", "Product")


def test_inaccessible_added_is_breaking_and_removed_is_safe() -> None:
    products = PRODUCTS.replace("  weight: Float\n", "  weight: Float @inaccessible\n")
    report = check(products=products)
    found = codes(report)
    assert found["INACCESSIBLE_ADDED"] == ("BREAKING", "Product.weight")
    assert found["FIELD_REMOVED"] == ("BREAKING", "Product.weight")  # gone from the API schema
    assert not report.passed
    from planner.checks import check_supergraphs

    assert report.supergraph_sdl is not None
    from planner import Supergraph

    back = check_supergraphs(Supergraph.parse(report.supergraph_sdl), CURRENT)
    assert codes(back)["INACCESSIBLE_REMOVED"] == ("SAFE", "Product.weight")


def test_new_subgraph_is_safe() -> None:
    inventory = LINK + 'type Product @key(fields: "id") { id: ID! stock: Int }'
    report = check(inventory=inventory)
    found = codes(report)
    assert found["SUBGRAPH_ADDED"] == ("SAFE", "inventory")
    assert found["FIELD_ADDED"] == ("SAFE", "Product.stock")
    assert report.passed


def test_composition_errors_fail_the_check_with_their_codes() -> None:
    broken = PRODUCTS.replace("  name: String\n", "  name: Int\n")
    reviews = REVIEWS.replace(
        "  id: ID!\n  reviews", "  id: ID!\n  name: String @shareable\n  reviews"
    )
    report = check(
        products=broken.replace("  name: Int\n", "  name: Int @shareable\n"), reviews=reviews
    )
    assert not report.composed
    assert not report.passed
    assert report.changes == ()
    assert "FIELD_TYPE_MISMATCH" in {e.code for e in report.composition_errors}


def test_breaking_change_fails_only_without_operations_unless_strict() -> None:
    products = PRODUCTS.replace("  weight: Float\n", "")
    assert not check(products=products).passed  # schema-level: breaking fails
    assert check([], products=products).passed  # no operation uses it
    from planner.checks import check_subgraphs
    from tests.checks.graphs import subgraphs

    strict = check_subgraphs(CURRENT, subgraphs(products=products), [], strict=True)
    assert not strict.passed
