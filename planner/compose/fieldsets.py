"""Field sets: the ``fields:`` strings of ``@key``, ``@requires`` and ``@provides``.

The federation spec defines ``FieldSet`` as a selection set written without its outer
braces. This module parses one and walks it against a subgraph's types, telling which
(type, field) pairs it selects and what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import GraphQLError, parse
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from .subgraph import Field, SubgraphSchema


class FieldSetError(Exception):
    """A field set that cannot be parsed or does not match the schema."""


@lru_cache(maxsize=4096)
def parse_fieldset(fields: str) -> SelectionSetNode:
    """Parse ``"id owner { id }"`` into a selection set (raises `FieldSetError`)."""
    try:
        document = parse("{" + fields + "}", no_location=True)
    except GraphQLError as exc:
        raise FieldSetError(f"invalid field set syntax: {exc.message}") from exc
    if len(document.definitions) != 1:
        raise FieldSetError("a field set must be a single selection set")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


@dataclass(frozen=True)
class Target:
    """One field a field set selects."""

    parent: str
    field: Field
    node: FieldNode
    has_selection: bool
    external_ancestor: bool  # an enclosing field of the field set is @external


def walk_fieldset(
    schema: SubgraphSchema,
    type_name: str,
    selection: SelectionSetNode,
    is_external: Callable[[str, str], bool],
) -> Iterator[Target]:
    """Yield every field the selection targets, raising `FieldSetError` on mismatch."""
    yield from _walk(schema, type_name, selection, is_external, False)


def _walk(
    schema: SubgraphSchema,
    type_name: str,
    selection: SelectionSetNode,
    is_external: Callable[[str, str], bool],
    external_ancestor: bool,
) -> Iterator[Target]:
    typedef = schema.types.get(type_name)
    if typedef is None:
        raise FieldSetError(f'unknown type "{type_name}"')
    for node in selection.selections:
        if isinstance(node, FragmentSpreadNode):
            raise FieldSetError("named fragments are not allowed in field sets")
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else type_name
            if condition not in schema.types:
                raise FieldSetError(f'unknown type "{condition}" in type condition')
            yield from _walk(schema, condition, node.selection_set, is_external, external_ancestor)
            continue
        assert isinstance(node, FieldNode)
        name = node.name.value
        if name == "__typename":
            continue
        if typedef.kind not in ("OBJECT", "INTERFACE"):
            raise FieldSetError(f'cannot query field "{name}" on type "{type_name}"')
        field = typedef.fields.get(name)
        if field is None:
            raise FieldSetError(f'Cannot query field "{name}" on type "{type_name}"')
        target_type = schema.types.get(field.type.named)
        composite = target_type is not None and target_type.kind in (
            "OBJECT",
            "INTERFACE",
            "UNION",
        )
        if node.selection_set is None and composite:
            raise FieldSetError(
                f'field "{type_name}.{name}" is of composite type "{field.type.named}" '
                "and must have a selection of sub-fields"
            )
        if node.selection_set is not None and not composite:
            raise FieldSetError(
                f'field "{type_name}.{name}" is of leaf type "{field.type.named}" '
                "and cannot have sub-fields"
            )
        yield Target(type_name, field, node, node.selection_set is not None, external_ancestor)
        if node.selection_set is not None:
            yield from _walk(
                schema,
                field.type.named,
                node.selection_set,
                is_external,
                external_ancestor or is_external(type_name, name),
            )
