"""Compiled ``requires`` selections give exactly what the generic walk gives
(``merge.build_representation``), and equal representations get equal keys."""

from __future__ import annotations

from typing import Any

import pytest

from planner.plan import FieldSelection, InlineFragmentSelection, Selection
from router.execution.merge import build_representation
from router.execution.representations import compile_requires

POSSIBLE = {"Node": frozenset({"User", "Product"})}


def fields(*names: str) -> tuple[Selection, ...]:
    return tuple(FieldSelection(name) for name in names)


def on(type_name: str | None, *names: str) -> InlineFragmentSelection:
    return InlineFragmentSelection(type_name, fields(*names))


USER_KEY = (on("User", "__typename", "id"),)
ABSTRACT = (on("User", "__typename", "id"), on("Product", "__typename", "upc"))
BY_INTERFACE = (on("Node", "__typename", "id"),)
TOP_LEVEL = (*fields("__typename", "id"), on("User", "email"))
NESTED = (
    InlineFragmentSelection(
        "User", (FieldSelection("__typename"), FieldSelection("org", None, fields("id")))
    ),
)
ALIASED = (InlineFragmentSelection("User", (FieldSelection("id", alias="userId"),)),)

OBJECTS: list[dict[str, Any]] = [
    {"__typename": "User", "id": "1", "name": "Ada"},
    {"__typename": "User", "id": 2},
    {"__typename": "Product", "upc": "p1", "id": "x"},
    {"__typename": "Review", "id": "r"},
    {"__typename": "User"},
    {"id": "3"},
    {"__typename": "User", "id": "1", "email": "a@b", "userId": "u9"},
    {"__typename": "User", "id": ["a", "list"], "org": {"id": "o", "name": "O"}},
    {"__typename": "User", "id": "1", "org": None},
    {"__typename": ["User"], "id": "1"},  # a broken subgraph's typename: matches no type
]


FLAT = [USER_KEY, ABSTRACT, BY_INTERFACE, TOP_LEVEL, ALIASED]


@pytest.mark.parametrize("requires", FLAT, ids=repr)
@pytest.mark.parametrize("obj", OBJECTS, ids=repr)
def test_same_representation_as_the_generic_walk(
    requires: tuple[Selection, ...], obj: dict[str, Any]
) -> None:
    expected = build_representation(obj, requires, POSSIBLE)
    flat = compile_requires(requires, POSSIBLE)
    assert flat is not None
    key = flat.key(obj)
    if expected is None:
        assert key is None
        return
    assert key is not None
    representation = flat.representation(key)
    assert representation == expected
    assert list(representation) == list(expected)  # same key order, as sent


def test_nested_selections_keep_the_generic_walk() -> None:
    assert compile_requires(NESTED, POSSIBLE) is None


def test_equal_values_share_a_key_and_different_ones_do_not() -> None:
    flat = compile_requires(ABSTRACT, POSSIBLE)
    assert flat is not None
    a = flat.key({"__typename": "User", "id": "1", "name": "A"})
    b = flat.key({"__typename": "User", "id": "1", "name": "B"})
    c = flat.key({"__typename": "User", "id": "2"})
    d = flat.key({"__typename": "Product", "upc": "1"})
    assert a is not None and b is not None and c is not None and d is not None
    assert a == b
    assert len({a, c, d}) == 3


def test_an_unhashable_custom_scalar_falls_back_to_the_sorted_json_key() -> None:
    flat = compile_requires(USER_KEY, POSSIBLE)
    assert flat is not None
    key = flat.key({"__typename": "User", "id": {"b": 1, "a": 2}})
    assert key is not None
    with pytest.raises(TypeError):
        hash(key)
    assert flat.sortable_key(key) == b'{"__typename":"User","id":{"a":2,"b":1}}'


def test_field_names_are_literals_in_the_compiled_builder() -> None:
    odd = (on("User", "__typename", "it's", 'say "hi"', "a}, 'x': (1"),)
    flat = compile_requires(odd, POSSIBLE)
    assert flat is not None
    obj = {"__typename": "User", "it's": 1, 'say "hi"': 2, "a}, 'x': (1": 3}
    key = flat.key(obj)
    assert key is not None
    assert flat.representation(key) == build_representation(obj, odd, POSSIBLE)
