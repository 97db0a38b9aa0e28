"""Plain-dict helpers the executor uses on subgraph data: deep merge, walking
flatten paths, building representations, and applying plan rewrites.

Everything works on the JSON-decoded dicts/lists directly (no wrapper objects),
because this runs for every object of every response.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from planner.plan import (
    FieldSelection,
    InlineFragmentSelection,
    KeyRenamer,
    Rewrite,
    Selection,
    ValueSetter,
)

PossibleTypes = Mapping[str, frozenset[str]]
"""Abstract type name -> names of its possible object types."""

_MISSING = object()


def deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    """Merge ``source`` into ``target`` in place: objects recursively, lists item by
    item when both sides have the same length, anything else replaced. (Exact type
    checks: the values are decoded JSON, and ``type() is`` is cheaper than
    ``isinstance`` on a path taken for every field of every entity.)"""
    get = target.get
    for key, value in source.items():
        current = get(key)
        if current is None:  # missing, or null: the new value either way
            target[key] = value
            continue
        kind = type(value)
        if kind is dict and type(current) is dict:
            deep_merge(current, value)
        elif kind is list and type(current) is list and len(value) == len(current):
            for index, item in enumerate(value):
                existing = current[index]
                if type(item) is dict and type(existing) is dict:
                    deep_merge(existing, item)
                else:
                    current[index] = item
        else:
            target[key] = value


def type_matches(typename: Any, condition: str, possible: PossibleTypes) -> bool:
    """Whether an object with ``__typename`` satisfies a type condition (a
    ``__typename`` that is not a string, from a broken subgraph, satisfies none)."""
    if typename == condition:
        return True
    members = possible.get(condition)
    return members is not None and type(typename) is str and typename in members


@lru_cache(maxsize=4096)
def _split_condition(element: str) -> tuple[str, frozenset[str] | None]:
    """``"key|[A,B]"`` -> ("key", {A, B}); plain keys have no condition."""
    if element.endswith("]") and "|[" in element:
        key, _, names = element.partition("|[")
        return key, frozenset(n.strip() for n in names[:-1].split(",") if n.strip())
    return element, None


def collect_objects(root: Any, path: tuple[str, ...], possible: PossibleTypes) -> list[Any]:
    """Every object found at a flatten path (hot path: no response paths kept).

    ``"@"`` walks list items; lists met on a key step are walked too (as Apollo
    does), ``"... on T"`` keeps only objects of type T, and ``"key|[A,B]"`` keeps
    objects of the listed types. Objects come in document order.
    """
    current: list[Any] = [root]
    for element in path:
        key, names = _split_condition(element)
        found: list[Any] = []
        if key == "@":
            for value in current:
                if type(value) is list:
                    found.extend(value)
        elif key.startswith("... on "):
            condition = key[7:].strip()
            for value in _flatten(current):
                if type(value) is dict and type_matches(
                    value.get("__typename"), condition, possible
                ):
                    found.append(value)
        else:
            for value in current:
                if type(value) is dict:
                    child = value.get(key)
                    if child is not None:
                        found.append(child)
                elif type(value) is list:
                    for item in _flatten([value]):
                        if type(item) is dict:
                            child = item.get(key)
                            if child is not None:
                                found.append(child)
        if names is not None:
            found = [
                v
                for v in _flatten(found)
                if type(v) is dict
                and any(type_matches(v.get("__typename"), n, possible) for n in names)
            ]
        current = found
    return [v for v in _flatten(current) if type(v) is dict]


def _flatten(values: list[Any]) -> list[Any]:
    if not any(type(v) is list for v in values):
        return values
    out: list[Any] = []
    for value in values:
        if type(value) is list:
            out.extend(_flatten(value))
        else:
            out.append(value)
    return out


def collect_at_path(
    root: Any, path: tuple[str, ...], possible: PossibleTypes
) -> list[tuple[dict[str, Any], list[str | int]]]:
    """Like ``collect_objects`` but with each object's response path (for errors)."""
    current: list[tuple[Any, list[str | int]]] = [(root, [])]
    for element in path:
        key, names = _split_condition(element)
        found: list[tuple[Any, list[str | int]]] = []
        if key == "@":
            for value, where in current:
                if isinstance(value, list):
                    found.extend((item, [*where, i]) for i, item in enumerate(value))
        elif key.startswith("... on "):
            condition = key[7:].strip()
            for value, where in _expand_lists(current):
                if isinstance(value, dict) and type_matches(
                    value.get("__typename"), condition, possible
                ):
                    found.append((value, where))
        else:
            for value, where in _expand_lists(current):
                if not isinstance(value, dict):
                    continue
                child = value.get(key)
                if child is None:
                    continue
                found.append((child, [*where, key]))
        if names is not None:
            found = [
                (v, w)
                for v, w in _expand_lists(found)
                if isinstance(v, dict)
                and any(type_matches(v.get("__typename"), n, possible) for n in names)
            ]
        current = found
    return [(v, w) for v, w in _expand_lists(current) if isinstance(v, dict)]


def _expand_lists(
    items: list[tuple[Any, list[str | int]]],
) -> list[tuple[Any, list[str | int]]]:
    if not any(isinstance(v, list) for v, _ in items):
        return items
    out: list[tuple[Any, list[str | int]]] = []
    stack = list(reversed(items))
    while stack:
        value, where = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed([(item, [*where, i]) for i, item in enumerate(value)]))
        else:
            out.append((value, where))
    return out


def build_representation(
    obj: dict[str, Any], requires: tuple[Selection, ...], possible: PossibleTypes
) -> dict[str, Any] | None:
    """Apply a ``requires`` selection to an object; None when the object does not
    match any top-level type condition or lacks a required field."""
    out: dict[str, Any] = {}
    typename = obj.get("__typename")
    if typename is None:
        # Lenient fallback: a subgraph fetch that did not select __typename
        # (the plan contract says it always should) is taken to hold objects of
        # the first fragment's type, so the entity jump still happens.
        condition = next(
            (s.type_condition for s in requires if isinstance(s, InlineFragmentSelection)), None
        )
        if condition is not None:
            obj = {**obj, "__typename": condition}
            typename = condition
    matched = False
    for selection in requires:
        if isinstance(selection, FieldSelection):
            matched = True
            if not _select_field(obj, selection, out, possible):
                return None
            continue
        condition = selection.type_condition
        if condition is not None and not type_matches(typename, condition, possible):
            continue
        matched = True
        if not _select_into(obj, selection.selections, out, possible):
            return None
    return out if matched else None


def _select_into(
    obj: dict[str, Any],
    selections: tuple[Selection, ...],
    out: dict[str, Any],
    possible: PossibleTypes,
) -> bool:
    for selection in selections:
        if isinstance(selection, FieldSelection):
            if not _select_field(obj, selection, out, possible):
                return False
        else:
            condition = selection.type_condition
            applies = condition is None or type_matches(obj.get("__typename"), condition, possible)
            if applies and not _select_into(obj, selection.selections, out, possible):
                return False
    return True


def _select_field(
    obj: dict[str, Any], selection: FieldSelection, out: dict[str, Any], possible: PossibleTypes
) -> bool:
    value = obj.get(selection.response_key, _MISSING)
    if value is _MISSING:
        return False
    if selection.selections is not None and value is not None:
        value = _project(value, selection.selections, possible)
        if value is _MISSING:
            return False
    out[selection.name] = value
    return True


def _project(value: Any, selections: tuple[Selection, ...], possible: PossibleTypes) -> Any:
    if isinstance(value, list):
        items = []
        for item in value:
            projected = item if item is None else _project(item, selections, possible)
            if projected is _MISSING:
                return _MISSING
            items.append(projected)
        return items
    if not isinstance(value, dict):
        return value
    sub: dict[str, Any] = {}
    if not _select_into(value, selections, sub, possible):
        return _MISSING
    return sub


def apply_rewrites(value: Any, rewrites: tuple[Rewrite, ...], possible: PossibleTypes) -> None:
    """Apply ``ValueSetter``/``KeyRenamer`` rewrites in place."""
    for rewrite in rewrites:
        _rewrite_at(value, rewrite.path, rewrite, possible)


def _rewrite_at(
    value: Any, path: tuple[str, ...], rewrite: Rewrite, possible: PossibleTypes
) -> None:
    if isinstance(value, list):
        for item in value:
            _rewrite_at(item, path, rewrite, possible)
        return
    if not isinstance(value, dict) or not path:
        return
    head, rest = path[0], path[1:]
    if head.startswith("... on "):
        if type_matches(value.get("__typename"), head[7:].strip(), possible):
            _rewrite_at(value, rest, rewrite, possible)
        return
    if rest:
        child = value.get(head)
        if child is not None:
            _rewrite_at(child, rest, rewrite, possible)
        return
    if isinstance(rewrite, ValueSetter):
        value[head] = rewrite.set_value_to
    elif isinstance(rewrite, KeyRenamer) and head in value:
        value[rewrite.rename_key_to] = value.pop(head)
