"""Compiled flatten paths find exactly what the generic walk finds
(``merge.collect_objects``): the same objects, the same identity, the same order,
on well-formed and on ill-formed data."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from router.execution.merge import collect_objects
from router.execution.paths import MAX_LOOPS, compile_path
from tests.router.json_trees import json_trees

POSSIBLE = {"Node": frozenset({"A", "B"})}

KEYS = ["a", "b", "__typename"]
ELEMENTS = st.sampled_from(["a", "b", "@", "... on A", "... on Node", "... on C", "a|[A]"])
SCALARS = st.one_of(st.none(), st.integers(), st.sampled_from(["A", "B", "C", "x"]))
VALUES = json_trees(KEYS, SCALARS)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.lists(ELEMENTS, max_size=6))
def test_a_compiled_path_finds_what_the_generic_walk_finds(root: Any, path: list[str]) -> None:
    expected = collect_objects(root, tuple(path), POSSIBLE)
    found = compile_path(tuple(path), POSSIBLE)(root)
    assert [id(o) for o in found] == [id(o) for o in expected]


def test_the_bench_shape() -> None:
    product = {"__typename": "Product", "upc": "1"}
    root = {
        "users": [
            {"reviews": [{"product": product}, {"product": None}]},
            {"reviews": None},
            {"reviews": [{"product": [product, [product]]}]},  # a list where an object was due
        ]
    }
    path = ("users", "@", "reviews", "@", "product")
    assert compile_path(path, POSSIBLE)(root) == [product, product, product]
    assert compile_path(path, POSSIBLE)(root) == collect_objects(root, path, POSSIBLE)


def test_keys_are_values_not_code() -> None:
    key = "x')\nimport os\n('"
    root = {key: {"id": 1}}
    assert compile_path((key,), POSSIBLE)(root) == [{"id": 1}]


def test_a_path_deeper_than_python_nests_blocks_still_walks() -> None:
    depth = MAX_LOOPS + 5
    root: Any = {"id": 1}
    for _ in range(depth):
        root = [root]
    assert compile_path(("@",) * depth, POSSIBLE)(root) == [{"id": 1}]
