"""Fetch groups: the planner's working form of a fetch, before it becomes a plan node.

A group is one future request to one subgraph: a root fetch (``query``/
``mutation`` fields) or an entity fetch at a response path (``_entities`` with
representations built from ``requires``). Groups depend on the groups whose
data they read (the entity itself, its keys, its required fields).
"""

from __future__ import annotations

from planner.plan import KeyRenamer
from planner.planning.selection import SubgraphSelectionSet


class Representation:
    """What an entity group sends per object: by type condition, the fields to read.

    Each entry maps the representation key to the response key it is read from
    (they differ for aliased requirements).
    """

    __slots__ = ("by_type", "rewrites")

    def __init__(self) -> None:
        self.by_type: dict[str, RepresentationFields] = {}
        self.rewrites: dict[str, str] = {}
        """type condition -> the ``__typename`` to send instead (interface objects)."""

    def conflicts_with(self, other: Representation) -> bool:
        for condition, fields in other.by_type.items():
            mine = self.by_type.get(condition)
            if mine is not None and mine.conflicts_with(fields):
                return True
        for condition, name in other.rewrites.items():
            if self.rewrites.get(condition, name) != name:
                return True
        return False

    def merge(self, other: Representation) -> None:
        for condition, fields in other.by_type.items():
            self.by_type.setdefault(condition, RepresentationFields()).merge(fields)
        self.rewrites.update(other.rewrites)


class RepresentationFields:
    """A tree: representation key -> (response key, nested fields or None)."""

    __slots__ = ("fields", "fragments")

    def __init__(self) -> None:
        self.fields: dict[str, tuple[str, RepresentationFields | None]] = {}
        self.fragments: dict[str, RepresentationFields] = {}

    def conflicts_with(self, other: RepresentationFields) -> bool:
        for key, (source, nested) in other.fields.items():
            mine = self.fields.get(key)
            if mine is None:
                continue
            if mine[0] != source:
                return True
            if mine[1] is not None and nested is not None and mine[1].conflicts_with(nested):
                return True
        for condition, fragment in other.fragments.items():
            mine_fragment = self.fragments.get(condition)
            if mine_fragment is not None and mine_fragment.conflicts_with(fragment):
                return True
        return False

    def merge(self, other: RepresentationFields) -> None:
        for key, (source, nested) in other.fields.items():
            mine = self.fields.get(key)
            if mine is None:
                copy_nested = None
                if nested is not None:
                    copy_nested = RepresentationFields()
                    copy_nested.merge(nested)
                self.fields[key] = (source, copy_nested)
            elif nested is not None:
                if mine[1] is None:
                    self.fields[key] = (mine[0], RepresentationFields())
                target = self.fields[key][1]
                assert target is not None
                target.merge(nested)
        for condition, fragment in other.fragments.items():
            self.fragments.setdefault(condition, RepresentationFields()).merge(fragment)


class FetchGroup:
    """One future subgraph request."""

    __slots__ = (
        "dependencies",
        "graph",
        "id",
        "output_rewrites",
        "path",
        "representation",
        "root_kind",
        "selection_set",
    )

    def __init__(
        self,
        group_id: int,
        graph: str,
        path: tuple[str, ...],
        root_kind: str | None,
    ) -> None:
        self.id = group_id
        self.graph = graph
        self.path = path
        self.root_kind = root_kind
        """``"query"``/``"mutation"`` for a root fetch, None for an entity fetch."""
        self.selection_set = SubgraphSelectionSet()
        """Root fetch: the root selection. Entity fetch: fragments by type condition."""
        self.representation = Representation()
        self.dependencies: set[FetchGroup] = set()
        self.output_rewrites: list[KeyRenamer] = []
        """Aliases the subgraph operation needed, renamed back after the fetch."""

    @property
    def is_entity(self) -> bool:
        return self.root_kind is None

    def depends_on(self, other: FetchGroup) -> bool:
        """True when this group (transitively) waits for `other`."""
        seen: set[int] = set()
        stack = list(self.dependencies)
        while stack:
            group = stack.pop()
            if group is other:
                return True
            if group.id in seen:
                continue
            seen.add(group.id)
            stack.extend(group.dependencies)
        return False

    def __repr__(self) -> str:
        return f"FetchGroup#{self.id}({self.graph} at {'.'.join(self.path) or '<root>'})"
