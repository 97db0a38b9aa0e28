"""Plain-dict helpers: deep merge, flatten paths, representations, rewrites."""

from __future__ import annotations

from planner.plan import FieldSelection, InlineFragmentSelection, KeyRenamer, ValueSetter
from router.execution.merge import apply_rewrites, build_representation, collect_at_path, deep_merge

POSSIBLE = {"Media": frozenset({"Book", "Movie"})}


def test_deep_merge_objects_and_lists() -> None:
    target = {"a": {"x": 1}, "l": [{"id": 1}, {"id": 2}], "n": None}
    deep_merge(target, {"a": {"y": 2}, "l": [{"v": "a"}, {"v": "b"}], "n": {"k": 1}})
    assert target == {
        "a": {"x": 1, "y": 2},
        "l": [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}],
        "n": {"k": 1},
    }


def test_collect_at_path_walks_lists_and_records_paths() -> None:
    data = {"a": [{"b": {"id": 1}}, {"b": None}, {"b": {"id": 3}}]}
    found = collect_at_path(data, ("a", "@", "b"), POSSIBLE)
    assert [(o["id"], p) for o, p in found] == [(1, ["a", 0, "b"]), (3, ["a", 2, "b"])]


def test_collect_at_path_with_type_condition() -> None:
    data = {"m": [{"__typename": "Book", "id": 1}, {"__typename": "Song", "id": 2}]}
    found = collect_at_path(data, ("m", "@", "... on Media"), POSSIBLE)
    assert [o["id"] for o, _ in found] == [1]
    found = collect_at_path(data, ("m", "@|[Song]"), POSSIBLE)
    assert [o["id"] for o, _ in found] == [2]


REQUIRES = (
    InlineFragmentSelection(
        "Book",
        (FieldSelection("__typename"), FieldSelection("id"), FieldSelection("year", "y1")),
    ),
)


def test_representation_respects_type_condition_and_alias() -> None:
    book = {"__typename": "Book", "id": "b1", "y1": 1999, "extra": True}
    assert build_representation(book, REQUIRES, POSSIBLE) == {
        "__typename": "Book",
        "id": "b1",
        "year": 1999,
    }
    assert build_representation({"__typename": "Movie", "id": "m"}, REQUIRES, POSSIBLE) is None


def test_representation_skipped_when_a_required_field_is_missing() -> None:
    assert build_representation({"__typename": "Book", "id": "b1"}, REQUIRES, POSSIBLE) is None


def test_abstract_type_condition_matches_possible_types() -> None:
    requires = (InlineFragmentSelection("Media", (FieldSelection("id"),)),)
    assert build_representation({"__typename": "Movie", "id": 1}, requires, POSSIBLE) == {"id": 1}


def test_nested_requires_selection_projects_lists() -> None:
    requires = (
        InlineFragmentSelection(
            "Book", (FieldSelection("similar", selections=(FieldSelection("id"),)),)
        ),
    )
    book = {"__typename": "Book", "similar": [{"id": 1, "x": 2}, None]}
    assert build_representation(book, requires, POSSIBLE) == {"similar": [{"id": 1}, None]}


def test_value_setter_and_key_renamer() -> None:
    rep = {"__typename": "Book", "id": "b1"}
    apply_rewrites(rep, (ValueSetter(("... on Book", "__typename"), "Media"),), POSSIBLE)
    assert rep == {"__typename": "Media", "id": "b1"}
    entity = {"__typename": "Book", "title_alias": "T"}
    apply_rewrites(entity, (KeyRenamer(("... on Book", "title_alias"), "title"),), POSSIBLE)
    assert entity == {"__typename": "Book", "title": "T"}


def test_object_without_typename_is_taken_as_the_fragment_type() -> None:
    requires = (
        InlineFragmentSelection("Book", (FieldSelection("__typename"), FieldSelection("id"))),
    )
    assert build_representation({"id": "b1"}, requires, POSSIBLE) == {
        "__typename": "Book",
        "id": "b1",
    }
