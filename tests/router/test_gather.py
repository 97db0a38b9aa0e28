"""The compiled walk-and-key pass (``gather``) gives exactly what walking the path and
adding one object at a time gives: the same representations, in the same order, with
the same objects (by identity) behind each."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.plan import FieldSelection, InlineFragmentSelection
from router.execution.gather import add_object, compile_gatherer
from router.execution.merge import collect_objects
from router.execution.representations import compile_requires
from tests.router.json_trees import json_trees

POSSIBLE = {"Node": frozenset({"User", "Product"})}
KEYS = ["a", "b", "id", "__typename"]
SCALARS = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["User", "Product", "Node", "x"]),
    st.just(["unhashable"]),
)
VALUES = json_trees(KEYS, SCALARS, max_keys=4, max_leaves=40)
ELEMENTS = st.sampled_from(["a", "b", "@", "... on User"])
REQUIRES = st.sampled_from(
    [
        (InlineFragmentSelection("User", (FieldSelection("__typename"), FieldSelection("id")))),
        (InlineFragmentSelection("Node", (FieldSelection("__typename"), FieldSelection("id")))),
        (InlineFragmentSelection("User", (FieldSelection("id"),))),
    ]
)


def by_walking(root: Any, path: tuple[str, ...], flat: Any) -> tuple[Any, list[list[int]]]:
    index_of: dict[Any, int] = {}
    representations: list[dict[str, Any]] = []
    targets: list[list[dict[str, Any]]] = []
    for obj in collect_objects(root, path, POSSIBLE):
        add_object(flat, obj, index_of, representations, targets)
    return representations, [[id(o) for o in group] for group in targets]


@settings(max_examples=400, deadline=None)
@given(VALUES, st.lists(ELEMENTS, max_size=5), REQUIRES)
def test_gathering_equals_walking_then_keying(
    root: Any, path: list[str], fragment: InlineFragmentSelection
) -> None:
    flat = compile_requires((fragment,), POSSIBLE)
    assert flat is not None
    gather = compile_gatherer(tuple(path), flat, POSSIBLE)
    assert gather is not None
    representations, targets = gather(root)
    expected = by_walking(root, tuple(path), flat)
    assert (representations, [[id(o) for o in group] for group in targets]) == expected


def test_the_bench_shape_dedups_per_entity() -> None:
    one, two = {"__typename": "User", "id": "1"}, {"__typename": "User", "id": "2"}
    again = {"__typename": "User", "id": "1"}
    root = {"reviews": [{"author": one}, {"author": two}, {"author": again}, {"author": None}]}
    fragment = InlineFragmentSelection("User", (FieldSelection("__typename"), FieldSelection("id")))
    flat = compile_requires((fragment,), POSSIBLE)
    assert flat is not None
    gather = compile_gatherer(("reviews", "@", "author"), flat, POSSIBLE)
    assert gather is not None
    representations, targets = gather(root)
    assert representations == [{"__typename": "User", "id": "1"}, {"__typename": "User", "id": "2"}]
    assert targets == [[one, again], [two]] and targets[0][1] is again
