"""Flatten paths compiled once into nested loops.

Every entity fetch starts by collecting the objects at its flatten path
(``users.@.reviews.@.product``). ``merge.collect_objects`` does it generically, a
level at a time: per element it splits the element, builds a list of everything at
that depth and checks it for nested lists. On the bench operation that was the
largest single function of the router (11% of its CPU time at 50 VUs).

A path of plain keys, ``@`` and ``... on T`` compiles to a function of nested
loops that goes straight down each branch and appends the objects at the end. It
finds the same objects in the same (document) order: wherever the data is not what
the path expects (a list met on a key step, a list left at the end) that branch is
handed to ``collect_objects`` for the rest of the path, which knows every case.

The generated source holds no text from the operation: keys and type names are
passed in as values (``k0``, ``t1``, ...), so an alias can never be code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from router.execution.merge import PossibleTypes, collect_objects, type_matches

Walker = Callable[[Any], list[Any]]

MAX_LOOPS = 16
"""Paths with more list steps keep the generic walk (Python nests at most 20 blocks)."""
MAX_ELEMENTS = 64


def compilable(path: tuple[str, ...]) -> bool:
    """Whether ``path`` compiles (else the generic walk is used)."""
    return (
        len(path) <= MAX_ELEMENTS
        and sum(1 for element in path if element == "@") <= MAX_LOOPS
        and not any("|[" in element for element in path)
    )


def compile_path(path: tuple[str, ...], possible: PossibleTypes) -> Walker:
    """A function ``root -> objects at path``, equal to ``collect_objects(root, path,
    possible)``; the generic walk itself for paths this does not compile."""
    if not compilable(path):
        return lambda root: collect_objects(root, path, possible)
    walk: Walker = compile_function(
        path,
        possible,
        {},
        ["def walk(v0):", " out = []", " add = out.append", " more = out.extend"],
        lambda value: [f"add({value})"],
        [" return out"],
        "walk",
    )
    return walk


def compile_function(
    path: tuple[str, ...],
    possible: PossibleTypes,
    names: dict[str, Any],
    head: list[str],
    at_object: Callable[[str], list[str]],
    tail: list[str],
    function: str,
) -> Any:
    """The function ``head`` starts: it walks ``path`` from ``v0`` and runs the lines
    ``at_object(variable)`` for every object found, where ``more`` takes a list of
    objects found by the generic walk; ``names`` are the values the lines use.
    (``compilable(path)`` must hold.)"""
    names.update(collect=collect_objects, matches=type_matches, possible=possible, path=path)
    body = _block(path, 0, at_object, names)
    source = "\n".join(head + [" " + line for line in body] + tail)
    exec(source, names)  # the source holds no text from the operation
    return names[function]


def _block(
    path: tuple[str, ...],
    depth: int,
    at_object: Callable[[str], list[str]],
    names: dict[str, Any],
) -> list[str]:
    """The lines that walk ``path[depth:]`` from ``v{depth}`` (relative indentation)."""
    value, child = f"v{depth}", f"v{depth + 1}"
    if depth == len(path):
        return [
            f"if type({value}) is dict:",
            *(" " + line for line in at_object(value)),
            f"elif type({value}) is list:",
            f" more(collect({value}, (), possible))",
        ]
    inner = _block(path, depth + 1, at_object, names)
    element = path[depth]
    rest = f" more(collect({value}, path[{depth}:], possible))"
    if element == "@":
        return [f"if type({value}) is list:", f" for {child} in {value}:"] + [
            "  " + line for line in inner
        ]
    if element.startswith("... on "):
        names[f"t{depth}"] = element[7:].strip()
        return [
            f"if type({value}) is dict and matches({value}.get('__typename'), t{depth}, possible):",
            f" {child} = {value}",
            *(" " + line for line in inner),
            f"elif type({value}) is list:",
            rest,
        ]
    names[f"k{depth}"] = element
    return [
        f"if type({value}) is dict:",
        f" {child} = {value}.get(k{depth})",
        f" if {child} is not None:",
        *("  " + line for line in inner),
        f"elif type({value}) is list:",
        rest,
    ]
