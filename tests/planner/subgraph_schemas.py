"""Build a subgraph's own GraphQL schema from its SDL, as the subgraph serves it
(with ``_entities``/``_Any``/``_Entity``/``_service``), so the operations a plan
sends can be validated against what the subgraph would accept."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
)
from graphql.language import DirectiveDefinitionNode, SchemaDefinitionNode, SchemaExtensionNode

_EXTENSION_TO_DEFINITION = {
    "object_type_extension": "ObjectTypeDefinitionNode",
    "interface_type_extension": "InterfaceTypeDefinitionNode",
    "union_type_extension": "UnionTypeDefinitionNode",
    "enum_type_extension": "EnumTypeDefinitionNode",
    "input_object_type_extension": "InputObjectTypeDefinitionNode",
    "scalar_type_extension": "ScalarTypeDefinitionNode",
}


def _strip(node: object) -> object:
    """Drop directive usages (federation metadata) from a definition and its fields."""
    changes: dict[str, object] = {}
    if hasattr(node, "directives"):
        changes["directives"] = ()
    if getattr(node, "fields", None):
        changes["fields"] = tuple(_strip(f) for f in node.fields)  # type: ignore[attr-defined]
    if getattr(node, "values", None) and not isinstance(node, str):
        changes["values"] = tuple(_strip(v) for v in node.values)  # type: ignore[attr-defined]
    if getattr(node, "arguments", None):
        changes["arguments"] = tuple(_strip(a) for a in node.arguments)  # type: ignore[attr-defined]
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]


def subgraph_schema(sdl: str) -> GraphQLSchema:
    document = parse(sdl)
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode)}
    entities: list[str] = []
    definitions = []
    for d in document.definitions:
        if isinstance(d, DirectiveDefinitionNode | SchemaDefinitionNode | SchemaExtensionNode):
            continue
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            if (
                any(x.name.value == "key" for x in d.directives or ())
                and isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
                and d.name.value not in entities
            ):
                entities.append(d.name.value)
            node = _strip(d)
            if isinstance(d, TypeExtensionNode) and d.name.value not in defined:
                import graphql.language.ast as ast

                cls = getattr(ast, _EXTENSION_TO_DEFINITION[d.kind])
                kwargs = {k: getattr(node, k) for k in node.keys if k != "loc"}  # type: ignore[attr-defined]
                node = cls(**kwargs)
                defined.add(d.name.value)
            definitions.append(node)
    extra = "scalar _Any\ntype _Service { sdl: String }\n"
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        extra += "extend type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }\n"
    else:
        extra += "extend type Query { _service: _Service! }\n"
    if "Query" not in defined:
        extra = "type Query { _dummy: String }\n" + extra
    full = DocumentNode(definitions=(*definitions, *parse(extra).definitions))
    return build_ast_schema(full, assume_valid_sdl=True)


@cache
def suite_subgraph_schemas(suite_dir: Path) -> dict[str, GraphQLSchema]:
    subgraphs = json.loads((suite_dir / "subgraphs.json").read_text())
    return {s["name"]: subgraph_schema(s["sdl"]) for s in subgraphs}
