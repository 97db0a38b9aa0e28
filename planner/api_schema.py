"""Derive the API schema (the schema clients see) from a supergraph.

Follows Apollo's "API schema" rules: drop every element of the linked specs
(``join__*``, ``link__*``, their directives, ``@link`` itself, ``@tag`` and
``@inaccessible`` definitions), and drop every element marked ``@inaccessible``
(types, fields, arguments, enum values, input fields). What is left is a plain
GraphQL schema that clients validate and introspect against.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
)

from planner.errors import SupergraphError

_SPEC_DIRECTIVES_ALWAYS_DROPPED = {"link", "core", "tag", "inaccessible"}


def build_api_schema(
    document: DocumentNode,
    inaccessible_name: str | None,
    spec_directive_names: Iterable[str],
    spec_type_prefixes: tuple[str, ...],
) -> GraphQLSchema:
    """Build the client-facing schema from a supergraph's document (the names its
    ``@link``s give to ``@inaccessible`` and to spec directives and types); raise
    `SupergraphError` if what is left is invalid. Takes the supergraph's parts rather
    than the `Supergraph`, so the two modules do not import each other."""
    document = _api_document(document, inaccessible_name, spec_directive_names, spec_type_prefixes)
    try:
        return build_ast_schema(document)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(
            f"the API schema derived from the supergraph is invalid: {exc}"
        ) from exc


def _api_document(
    supergraph_document: DocumentNode,
    inaccessible: str | None,
    spec_directive_names: Iterable[str],
    prefixes: tuple[str, ...],
) -> DocumentNode:
    drop_directives = set(spec_directive_names) | _SPEC_DIRECTIVES_ALWAYS_DROPPED

    def is_spec_type(name: str) -> bool:
        return name.startswith(prefixes) if prefixes else False

    def hidden(node: Any) -> bool:
        return inaccessible is not None and any(
            d.name.value == inaccessible for d in getattr(node, "directives", None) or ()
        )

    def clean_directives(node: Any) -> Any:
        directives = getattr(node, "directives", None)
        if not directives:
            return node
        return _replace(
            node, directives=tuple(d for d in directives if d.name.value not in drop_directives)
        )

    removed_types = {
        d.name.value
        for d in supergraph_document.definitions
        if isinstance(d, TypeDefinitionNode) and (hidden(d) or is_spec_type(d.name.value))
    }

    def type_removed(type_node: Any) -> bool:
        while not isinstance(type_node, NamedTypeNode):
            type_node = type_node.type
        return type_node.name.value in removed_types

    def clean_field(fdef: Any) -> Any:
        fdef = clean_directives(fdef)
        args = getattr(fdef, "arguments", None)
        if args:
            fdef = _replace(
                fdef,
                arguments=tuple(
                    clean_directives(a) for a in args if not hidden(a) and not type_removed(a.type)
                ),
            )
        return fdef

    definitions = []
    for definition in supergraph_document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if name in drop_directives or is_spec_type(name):
                continue
            definitions.append(definition)
            continue
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            definitions.append(clean_directives(definition))
            continue
        type_name: str | None = getattr(getattr(definition, "name", None), "value", None)
        if type_name is None or type_name in removed_types:
            continue
        node = clean_directives(definition)
        if isinstance(
            node,
            ObjectTypeDefinitionNode
            | ObjectTypeExtensionNode
            | InterfaceTypeDefinitionNode
            | InterfaceTypeExtensionNode,
        ):
            node = _replace(
                node,
                fields=tuple(
                    clean_field(f)
                    for f in node.fields or ()
                    if not hidden(f) and not type_removed(f.type)
                ),
                interfaces=tuple(
                    i for i in node.interfaces or () if i.name.value not in removed_types
                ),
            )
        elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
            node = _replace(
                node,
                fields=tuple(
                    clean_directives(f)
                    for f in node.fields or ()
                    if not hidden(f) and not type_removed(f.type)
                ),
            )
        elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            node = _replace(
                node, values=tuple(clean_directives(v) for v in node.values or () if not hidden(v))
            )
        elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
            node = _replace(
                node, types=tuple(t for t in node.types or () if t.name.value not in removed_types)
            )
        elif isinstance(node, ScalarTypeDefinitionNode):
            pass
        definitions.append(node)
    return DocumentNode(definitions=tuple(definitions))


def _replace(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes changed (nodes may be frozen)."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **changes)
    clone = copy.copy(node)
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone
