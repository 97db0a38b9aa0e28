"""Invalidation tags of a cached response: the types and the records it touched.

Every entry is tagged with each object type its operation can touch (``Record``),
and with each entity record found in its data (``Record#{"id":"42"}``, by a ``@key``
made of plain fields). An object of an entity type whose key fields were not
selected cannot be named; its entry is tagged ``Record~`` instead, and invalidating
any ``Record`` by key also drops those entries: invalidation errs on the side of
dropping. The walk over the response is iterative and bounded (``MAX_OBJECTS``);
past the bound every entity type of the operation is tagged ``~``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

MAX_OBJECTS = 20_000


def type_tag(type_name: str) -> str:
    return type_name


def record_tag(type_name: str, key: Mapping[str, Any]) -> str:
    """``Type#{"field":"value"}``: key values as strings, fields sorted."""
    canonical = {name: _text(value) for name, value in key.items()}
    return f"{type_name}#" + orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS).decode()


def unkeyed_tag(type_name: str) -> str:
    return f"{type_name}~"


def record_invalidation_tags(type_name: str, key: Mapping[str, Any]) -> list[str]:
    """What invalidating one record drops: entries naming it, and entries that touched
    its type without naming their records."""
    return [record_tag(type_name, key), unkeyed_tag(type_name)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def entity_record_tag(
    type_name: str, obj: Mapping[str, Any], keys: Mapping[str, tuple[tuple[str, ...], ...]]
) -> str | None:
    """The record tag of an object given by its plain field names (a representation)."""
    for names in keys.get(type_name, ()):
        if all(name in obj for name in names):
            return record_tag(type_name, {name: obj[name] for name in names})
    return None


def response_tags(
    schema: GraphQLSchema,
    keys: Mapping[str, tuple[tuple[str, ...], ...]],
    data: Any,
    selection_set: SelectionSetNode,
    root: GraphQLNamedType,
    fragments: Mapping[str, FragmentDefinitionNode],
    static_types: frozenset[str],
) -> set[str]:
    """Every tag of one response (see the module doc)."""
    tags = {type_tag(t) for t in static_types}
    stack: list[tuple[Any, SelectionSetNode, GraphQLNamedType]] = [(data, selection_set, root)]
    objects = 0
    while stack:
        value, selections, declared = stack.pop()
        if isinstance(value, list):
            stack.extend((item, selections, declared) for item in value)
            continue
        if not isinstance(value, dict):
            continue
        objects += 1
        if objects > MAX_OBJECTS:
            tags.update(unkeyed_tag(t) for t in static_types if t in keys)
            break
        fields = _collect(schema, selections, declared, fragments)
        concrete = _concrete_type(schema, declared, value, fields)
        if concrete is None:
            if isinstance(declared, GraphQLInterfaceType | GraphQLUnionType):
                for possible in schema.get_possible_types(declared):
                    if possible.name in keys:
                        tags.add(unkeyed_tag(possible.name))
        else:
            tags.add(type_tag(concrete.name))
            if concrete.name in keys:
                tags.add(_record_or_unkeyed(concrete.name, value, fields, keys))
        for node, on in fields:
            if node.selection_set is None or not isinstance(
                on, GraphQLObjectType | GraphQLInterfaceType
            ):
                continue
            if concrete is not None and isinstance(on, GraphQLObjectType) and on is not concrete:
                continue  # a fragment on another member of an abstract type
            definition = on.fields.get(node.name.value)
            if definition is None:
                continue
            child = value.get(node.alias.value if node.alias else node.name.value)
            if child is not None:
                stack.append((child, node.selection_set, get_named_type(definition.type)))
    return tags


def _collect(
    schema: GraphQLSchema,
    selections: SelectionSetNode,
    on: GraphQLNamedType,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[tuple[FieldNode, GraphQLNamedType]]:
    """The field selections of one object, fragments flattened, each with the type it
    was selected on."""
    out: list[tuple[FieldNode, GraphQLNamedType]] = []
    pending: list[tuple[SelectionSetNode, GraphQLNamedType]] = [(selections, on)]
    while pending:
        current, current_on = pending.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                out.append((selection, current_on))
            elif isinstance(selection, InlineFragmentNode):
                target = current_on
                if selection.type_condition is not None:
                    target = schema.get_type(selection.type_condition.name.value) or current_on
                pending.append((selection.selection_set, target))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    target = schema.get_type(fragment.type_condition.name.value) or current_on
                    pending.append((fragment.selection_set, target))
    return out


def _concrete_type(
    schema: GraphQLSchema,
    declared: GraphQLNamedType,
    value: Mapping[str, Any],
    fields: list[tuple[FieldNode, GraphQLNamedType]],
) -> GraphQLObjectType | None:
    if isinstance(declared, GraphQLObjectType):
        return declared
    for node, _ in fields:
        if node.name.value == "__typename":
            name = value.get(node.alias.value if node.alias else "__typename")
            found = schema.get_type(name) if isinstance(name, str) else None
            return found if isinstance(found, GraphQLObjectType) else None
    return None


def _record_or_unkeyed(
    type_name: str,
    value: Mapping[str, Any],
    fields: list[tuple[FieldNode, GraphQLNamedType]],
    keys: Mapping[str, tuple[tuple[str, ...], ...]],
) -> str:
    by_name: dict[str, Any] = {}
    for node, _ in fields:
        name = node.name.value
        if not node.arguments and name not in by_name:
            response_key = node.alias.value if node.alias else name
            if response_key in value:
                by_name[name] = value[response_key]
    tag = entity_record_tag(type_name, by_name, keys)
    return tag if tag is not None else unkeyed_tag(type_name)
