"""The operations check: an operation the proposal breaks is named, with the changed
field it uses and whether it fails validation or loses its plan; operations that
did not work before are not blamed on the change."""

from __future__ import annotations

from planner import Supergraph
from planner.checks import Operation, check_supergraphs, render_markdown, render_text
from tests.checks.graphs import CURRENT, PRODUCTS, check, supergraph

TOP = Operation("query TopProducts { products(first: 5) { id name weight } }", source="top.graphql")
REVIEWS_OP = Operation(
    "query ProductReviews($id: ID!) { product(id: $id) { name reviews { body rating } } }",
    requests=42,
)
BY_CATEGORY = Operation("query ByCategory { products(category: MUSIC) { id category } }")


def test_removed_field_breaks_the_operation_that_uses_it() -> None:
    report = check([TOP, REVIEWS_OP], products=PRODUCTS.replace("  weight: Float\n", ""))
    assert report.operations is not None
    assert report.operations.checked == 2
    (broken,) = report.operations.broken
    assert broken.name == "TopProducts"
    assert broken.source == "top.graphql"
    assert broken.failure == "validation"
    assert broken.fields == ("Product.weight",)  # not Float, which it only reads
    assert any("weight" in e for e in broken.errors)
    assert not report.passed
    assert "TopProducts" in render_text(report)
    assert "`TopProducts`" in render_markdown(report)


def test_unused_breaking_change_breaks_no_operation() -> None:
    report = check([REVIEWS_OP], products=PRODUCTS.replace("  weight: Float\n", ""))
    assert report.operations is not None
    assert report.operations.broken == ()
    assert report.passed


def test_removed_enum_value_used_as_literal_breaks_the_operation() -> None:
    report = check([BY_CATEGORY], products=PRODUCTS.replace("{ BOOKS MUSIC }", "{ BOOKS }"))
    assert report.operations is not None
    (broken,) = report.operations.broken
    assert broken.name == "ByCategory"
    assert "Category.MUSIC" in broken.fields


def test_added_enum_value_puts_readers_at_risk() -> None:
    report = check(
        [BY_CATEGORY, TOP], products=PRODUCTS.replace("{ BOOKS MUSIC }", "{ BOOKS MUSIC GAMES }")
    )
    assert report.operations is not None
    assert report.operations.broken == ()
    assert [(op.name, op.fields) for op in report.operations.at_risk] == [
        ("ByCategory", ("Category.GAMES",))
    ]
    assert report.passed


def test_operation_losing_its_plan_is_a_planning_failure() -> None:
    """A supergraph where Product is no longer an entity of reviews: Product.reviews
    still validates, but no plan can reach it."""
    sdl = CURRENT.sdl
    cut = '@join__type(graph: REVIEWS, key: "id")'
    assert cut in sdl
    proposed = Supergraph.parse(sdl.replace(cut, ""))
    report = check_supergraphs(CURRENT, proposed, [REVIEWS_OP, TOP])
    assert report.operations is not None
    (broken,) = report.operations.broken
    assert broken.name == "ProductReviews"
    assert broken.failure == "planning"
    assert broken.requests == 42
    assert "Product" in broken.fields  # the key removed from reviews
    assert not report.passed


def test_operations_invalid_before_are_skipped_not_blamed() -> None:
    invalid = Operation("query Old { products { nope } }")
    garbage = Operation("query {")
    report = check([invalid, garbage, TOP], products=PRODUCTS.replace("  weight: Float\n", ""))
    assert report.operations is not None
    assert report.operations.skipped == 2
    assert [b.name for b in report.operations.broken] == ["TopProducts"]


def test_each_operation_of_a_document_is_checked() -> None:
    document = Operation(TOP.document + "\nquery Names { products { name } }")
    report = check([document], products=PRODUCTS.replace("  weight: Float\n", ""))
    assert report.operations is not None
    assert report.operations.checked == 2
    assert [b.name for b in report.operations.broken] == ["TopProducts"]


def test_broken_operations_are_listed_busiest_first() -> None:
    ops = [
        Operation("query A { products { weight } }", requests=3),
        Operation("query B { products { weight } }", requests=300),
        Operation("query C { products { weight } }"),
    ]
    report = check(ops, products=PRODUCTS.replace("  weight: Float\n", ""))
    assert report.operations is not None
    assert [b.name for b in report.operations.broken] == ["B", "A", "C"]


def test_deeply_nested_hostile_document_is_skipped() -> None:
    deep = Operation("query D " + "{ products " * 3000 + "}" * 3001)
    report = check([deep], products=PRODUCTS)
    assert report.operations is not None
    assert report.operations.skipped == 1 and report.operations.checked == 0


def test_supergraph_helper_is_deterministic() -> None:
    assert supergraph().sdl == CURRENT.sdl
