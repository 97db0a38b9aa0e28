"""Representation keys compiled once per ``requires`` selection.

An entity fetch builds a representation for every object found at its flatten path
and sends each distinct one once. Done generically (walk the selection, build the
dict, serialise it to find duplicates) it was the largest part of plan execution on
the bench operation: 160 objects per request for about 80 distinct entities. Most
``requires`` selections are flat: fields without sub-selections, at the top or under
type conditions (every ``@key`` of scalar fields). Such a selection compiles to a
``FlatRequires``: ``operator.itemgetter`` reads an object's values into a tuple in C;
that tuple is the duplicate key, and the representation dict is built from it only
for an entity not seen before. Anything else (nested keys, ``@requires`` of objects)
keeps the generic walk (``compile_requires`` returns None).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import orjson

from planner.plan import FieldSelection, InlineFragmentSelection, Selection
from router.execution.merge import PossibleTypes

Key = tuple[Any, ...]


class _Part:
    """One top-level field, or one inline fragment of fields, of a flat ``requires``."""

    __slots__ = ("build", "condition", "get", "keys", "members", "names")

    def __init__(
        self, condition: str | None, members: frozenset[str], fields: list[FieldSelection]
    ) -> None:
        self.condition = condition
        self.members = members
        self.keys = tuple(f.response_key for f in fields)
        """Where the values are in the object (response keys, aliases included)."""
        self.names = tuple(f.name for f in fields)
        """What they are called in the representation."""
        getter = itemgetter(*self.keys)
        self.get = getter if len(self.keys) > 1 else (lambda obj: (getter(obj),))
        self.build = _dict_display(self.names)

    def applies(self, typename: Any) -> bool:
        condition = self.condition
        return (
            condition is None
            or typename == condition
            or (type(typename) is str and typename in self.members)
        )


class FlatRequires:
    """A flat ``requires`` selection, compiled: ``key`` per object, ``representation``
    per distinct key. Same results as ``merge.build_representation``."""

    __slots__ = ("lenient", "one", "parts")

    def __init__(self, parts: list[_Part], lenient: str | None) -> None:
        self.parts = parts
        self.lenient = lenient
        """The first fragment's type: assumed for an object without ``__typename``."""
        self.one = parts[0] if len(parts) == 1 and parts[0].condition is not None else None

    def key(self, obj: dict[str, Any]) -> Key | None:
        """The object's values for this selection (None: it gives no representation).
        Equal keys mean equal representations. A value may be unhashable (a custom
        scalar holding a list): ``sortable_key`` is the fallback then."""
        typename = obj.get("__typename")
        if typename is None and self.lenient is not None:
            obj = {**obj, "__typename": self.lenient}
            typename = self.lenient
        one = self.one
        if one is not None:  # the common case: one `... on T { key fields }`
            if typename != one.condition and (
                type(typename) is not str or typename not in one.members
            ):
                return None
            try:
                values: Key = one.get(obj)
            except KeyError:
                return None
            return values
        matched: list[Any] = []
        for index, part in enumerate(self.parts):
            if part.applies(typename):
                try:
                    matched += (index, part.get(obj))
                except KeyError:
                    return None
        return tuple(matched) if matched else None

    def representation(self, key: Key) -> dict[str, Any]:
        """The representation whose key is ``key``."""
        if self.one is not None:
            return self.one.build(key)
        out: dict[str, Any] = {}
        for position in range(0, len(key), 2):
            out.update(self.parts[key[position]].build(key[position + 1]))
        return out

    def sortable_key(self, key: Key) -> bytes:
        """The generic duplicate key, for a key that cannot be hashed."""
        return orjson.dumps(self.representation(key), option=orjson.OPT_SORT_KEYS)


def _dict_display(names: tuple[str, ...]) -> Callable[[Key], dict[str, Any]]:
    """``lambda values: {names[0]: values[0], ...}``: a dict display builds the dict in
    one bytecode, about 3x faster than ``dict(zip(names, values))`` (which this
    function replaces for every distinct entity). Names are GraphQL field names from
    the supergraph, written in as ``repr`` literals."""
    items = ", ".join(f"{name!r}: values[{index}]" for index, name in enumerate(names))
    function: Callable[[Key], dict[str, Any]] = eval(f"lambda values: {{{items}}}", {})
    return function


def compile_requires(
    requires: tuple[Selection, ...], possible: PossibleTypes
) -> FlatRequires | None:
    """``FlatRequires`` for a flat selection, None for one that needs the generic walk."""
    parts: list[_Part] = []
    for selection in requires:
        if isinstance(selection, FieldSelection):
            if selection.selections is not None:
                return None
            parts.append(_Part(None, frozenset(), [selection]))
            continue
        fields: list[FieldSelection] = []
        for inner in selection.selections:
            if not isinstance(inner, FieldSelection) or inner.selections is not None:
                return None
            fields.append(inner)
        if not fields:
            return None
        condition = selection.type_condition
        members = possible.get(condition, frozenset()) if condition is not None else frozenset()
        parts.append(_Part(condition, members, fields))
    if not parts:
        return None
    lenient = next(
        (s.type_condition for s in requires if isinstance(s, InlineFragmentSelection)), None
    )
    return FlatRequires(parts, lenient)
