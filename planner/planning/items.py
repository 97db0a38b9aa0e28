"""The operation as the planner sees it: a typed, normalised selection tree.

GraphQL spec §6.3.2 (CollectFields): fragments are flattened, fields with the
same response key are merged, ``@skip``/``@include`` are folded for known
condition values, and inline fragments remain only where their type condition
narrows the parent type. `collect_for(type, items)` then gives the fields that
apply to one runtime type — the planner's unit of work.

Field sets of ``@key``, ``@requires`` and ``@provides`` are parsed into the same
shape, so keys and requirements are planned exactly like client selections.

Vocabulary (docs/planner.md): the nodes of this tree are *items*, a `FieldItem` or an
`InlineFragmentItem`; a selection set of them is a ``tuple[Item, ...]``, passed around
as ``items``; children are ``.selections``. The subgraph operations being built use
``SubgraphField``/``SubgraphSelectionSet`` (selection.py), the plan ``FieldSelection``/
``InlineFragmentSelection`` (plan.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    parse,
    print_ast,
)

from planner.errors import PlanningError
from planner.operation import is_included
from planner.planning.deadline import NO_DEADLINE, Deadline

TYPENAME = "__typename"


@dataclass(frozen=True, slots=True, eq=False)
class FieldItem:
    """One field of the operation, at one parent type."""

    response_key: str
    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    selections: tuple[Item, ...] | None
    type_name: str
    """The named return type (``__typename`` -> ``String``)."""

    @property
    def is_typename(self) -> bool:
        return self.name == TYPENAME

    @property
    def args_text(self) -> str:
        if not self.arguments:
            return ""
        return "(" + ",".join(f"{a.name.value}:{print_ast(a.value)}" for a in self.arguments) + ")"

    def with_selections(self, selections: tuple[Item, ...] | None) -> FieldItem:
        return FieldItem(
            self.response_key, self.name, self.alias, self.arguments, selections, self.type_name
        )


@dataclass(frozen=True, slots=True, eq=False)
class InlineFragmentItem:
    """An inline fragment whose type condition narrows the parent type."""

    type_condition: str
    selections: tuple[Item, ...]


Item = FieldItem | InlineFragmentItem


class Normaliser:
    """Turns GraphQL selection sets into `Item` trees against one schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode] | None = None,
        conditions: Mapping[str, bool] | None = None,
        deadline: Deadline = NO_DEADLINE,
    ) -> None:
        self.schema = schema
        self.deadline = deadline
        self.fragments = fragments or {}
        self.conditions = conditions or {}
        self._possible: dict[str, frozenset[str]] = {}

    def possible(self, type_name: str) -> frozenset[str]:
        """Object types that a value of `type_name` can be."""
        cached = self._possible.get(type_name)
        if cached is not None:
            return cached
        named = self.schema.type_map.get(type_name)
        if isinstance(named, GraphQLObjectType):
            result = frozenset({type_name})
        elif isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
            result = frozenset(t.name for t in self.schema.get_possible_types(named))
        else:
            result = frozenset()
        self._possible[type_name] = result
        return result

    def selection_set(self, parent: str, selection_set: SelectionSetNode) -> tuple[Item, ...]:
        items: list[Item] = []
        self._collect(parent, selection_set, items, set())
        return merge_items(items)

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        return is_included(node, self.conditions)

    def _collect(
        self, parent: str, selection_set: SelectionSetNode, out: list[Item], visiting: set[str]
    ) -> None:
        self.deadline.check()  # fragments may expand exponentially
        parent_type = self.schema.type_map.get(parent)
        for selection in selection_set.selections:
            if not self._included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                out.append(self._field(parent, parent_type, selection))
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    selection.type_condition.name.value if selection.type_condition else parent
                )
                self._fragment(parent, condition, selection.selection_set, out, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise PlanningError(f"unknown fragment {name!r}")
                if name in visiting:
                    raise PlanningError(f"fragment {name!r} spreads itself")
                self._fragment(
                    parent,
                    fragment.type_condition.name.value,
                    fragment.selection_set,
                    out,
                    visiting | {name},
                )

    def _fragment(
        self,
        parent: str,
        condition: str,
        selection_set: SelectionSetNode,
        out: list[Item],
        visiting: set[str],
    ) -> None:
        if condition not in self.schema.type_map:
            raise PlanningError(f"unknown type {condition!r} in a fragment")
        parent_possible = self.possible(parent)
        condition_possible = self.possible(condition)
        parent_is_object = isinstance(self.schema.type_map.get(parent), GraphQLObjectType)
        if condition == parent or (parent_is_object and parent in condition_possible):
            self._collect(parent, selection_set, out, visiting)
            return
        if parent_possible and not (parent_possible & condition_possible):
            return  # can never apply
        inner: list[Item] = []
        self._collect(condition, selection_set, inner, visiting)
        out.append(InlineFragmentItem(condition, merge_items(inner)))

    def _field(self, parent: str, parent_type: object, node: FieldNode) -> FieldItem:
        name = node.name.value
        alias = node.alias.value if node.alias else None
        key = alias or name
        if name == TYPENAME:
            return FieldItem(key, name, alias, (), None, "String")
        fields = getattr(parent_type, "fields", None)
        if fields is None or name not in fields:
            raise PlanningError(f"type {parent!r} has no field {name!r}")
        type_name = get_named_type(fields[name].type).name
        selections = None
        if node.selection_set is not None:
            selections = self.selection_set(type_name, node.selection_set)
        return FieldItem(key, name, alias, tuple(node.arguments or ()), selections, type_name)

    def field_set(
        self, parent: str, field_set: str, alias_arguments: bool = False
    ) -> tuple[Item, ...]:
        """Parse a ``@key``/``@requires``/``@provides`` field set at `parent`.

        With `alias_arguments`, fields that take arguments get a stable alias derived
        from the arguments, so two requirements of the same field with different
        arguments never collide in one subgraph selection.
        """
        try:
            document = parse("{" + field_set + "}", no_location=True)
        except Exception as exc:
            raise PlanningError(f"invalid field set {field_set!r} on {parent}: {exc}") from exc
        operation = document.definitions[0]
        items = self.selection_set(parent, operation.selection_set)  # type: ignore[attr-defined]
        return alias_argument_fields(items) if alias_arguments else items


def alias_argument_fields(items: tuple[Item, ...]) -> tuple[Item, ...]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, InlineFragmentItem):
            out.append(
                InlineFragmentItem(item.type_condition, alias_argument_fields(item.selections))
            )
            continue
        selections = alias_argument_fields(item.selections) if item.selections else item.selections
        alias = item.alias
        if item.arguments:
            digest = hashlib.sha1(item.args_text.encode()).hexdigest()[:8]
            alias = f"{item.name}__req_{digest}"
        out.append(
            FieldItem(
                alias or item.name, item.name, alias, item.arguments, selections, item.type_name
            )
        )
    return tuple(out)


def merge_items(items: Sequence[Item]) -> tuple[Item, ...]:
    """Merge fields with the same response key and fragments with the same condition."""
    fields: dict[str, FieldItem] = {}
    fragments: dict[str, InlineFragmentItem] = {}
    order: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, FieldItem):
            existing = fields.get(item.response_key)
            if existing is None:
                fields[item.response_key] = item
                order.append(("f", item.response_key))
            elif item.selections is not None:
                combined = (existing.selections or ()) + item.selections
                fields[item.response_key] = existing.with_selections(merge_items(combined))
        else:
            existing_fragment = fragments.get(item.type_condition)
            if existing_fragment is None:
                fragments[item.type_condition] = item
                order.append(("t", item.type_condition))
            else:
                fragments[item.type_condition] = InlineFragmentItem(
                    item.type_condition,
                    merge_items(existing_fragment.selections + item.selections),
                )
    return tuple(fields[k] if kind == "f" else fragments[k] for kind, k in order)


class Collector:
    """`collect_for(runtime_type, items)`: the fields that apply to one type, memoised."""

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._memo: dict[tuple[str, int], tuple[FieldItem, ...]] = {}
        self._keep: list[tuple[Item, ...]] = []

    def collect_for(self, type_name: str, items: tuple[Item, ...]) -> tuple[FieldItem, ...]:
        memo_key = (type_name, id(items))
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        possible = self.normaliser.possible(type_name)
        gathered: list[Item] = []
        self._gather(type_name, possible, items, gathered)
        merged = merge_items(gathered)
        result = tuple(i for i in merged if isinstance(i, FieldItem))
        self._keep.append(items)  # keep ids stable for the memo
        self._memo[memo_key] = result
        return result

    def _gather(
        self, type_name: str, possible: frozenset[str], items: tuple[Item, ...], out: list[Item]
    ) -> None:
        for item in items:
            if isinstance(item, FieldItem):
                out.append(item)
                continue
            condition = item.type_condition
            if condition == type_name or (
                len(possible) == 1
                and type_name in possible
                and type_name in self.normaliser.possible(condition)
            ):
                self._gather(type_name, possible, item.selections, out)
