"""The model composition works on: one subgraph's types, fields, keys and applied
directives, as subgraph_reader.py reads them from its SDL (both Federation 1 and 2
styles), before merging.

ROOT_NAMES: the normalised root type names every reader output uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql.language import (
    DirectiveDefinitionNode,
    DirectiveNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
    ValueNode,
)

from .typeref import TypeRef

ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


@dataclass
class Applied:
    """Directives that survive into the supergraph on an element."""

    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: bool = False
    deprecation_reason: str | None = None
    specified_by: str | None = None
    composed: list[DirectiveNode] = field(default_factory=list)
    authenticated: bool = False
    """``@authenticated`` (Federation 2.5): only authenticated callers see the element."""
    requires_scopes: list[tuple[str, ...]] = field(default_factory=list)
    """``@requiresScopes(scopes:)``: alternatives, each a set of scopes held together."""


def combine_scopes(
    first: list[tuple[str, ...]], second: list[tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """Both requirements at once: every alternative of one joined with every
    alternative of the other (the more restrictive merge, so composition never
    loosens what a subgraph asked for)."""
    if not first:
        return list(second)
    if not second:
        return list(first)
    merged: dict[tuple[str, ...], None] = {}
    for one in first:
        for other in second:
            merged.setdefault(tuple(sorted(set(one) | set(other))), None)
    return list(merged)


@dataclass
class Key:
    """One ``@key`` application."""

    fields: str
    resolvable: bool | None  # None when the argument is not written
    on_extension: bool  # written on an ``extend type`` node


@dataclass
class Argument:
    name: str
    type: TypeRef
    default: ValueNode | None
    description: str | None
    applied: Applied
    node: InputValueDefinitionNode


@dataclass
class Field:
    """A field of an object/interface type, or of an input object type."""

    name: str
    type: TypeRef
    args: dict[str, Argument]
    description: str | None
    applied: Applied
    node: FieldDefinitionNode | InputValueDefinitionNode
    default: ValueNode | None = None
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    shareable: bool = False
    override_from: str | None = None
    override_label: str | None = None


@dataclass
class EnumValue:
    name: str
    description: str | None
    applied: Applied


@dataclass
class TypeDef:
    """A named type as one subgraph defines it (definition and extensions merged)."""

    name: str
    kind: str  # OBJECT, INTERFACE, UNION, ENUM, INPUT_OBJECT, SCALAR
    description: str | None = None
    applied: Applied = field(default_factory=Applied)
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    extends: bool = False  # @extends
    shareable: bool = False
    external: bool = False
    interface_object: bool = False
    has_definition: bool = False
    has_extension: bool = False


@dataclass
class SubgraphSchema:
    """One subgraph, parsed and normalised."""

    name: str
    url: str
    fed2: bool
    types: dict[str, TypeDef] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)  # operation -> type name
    directive_defs: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    compose_directives: list[str] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # non-federation @link args

    def field(self, type_name: str, field_name: str) -> Field | None:
        typedef = self.types.get(type_name)
        return typedef.fields.get(field_name) if typedef else None

    def possible_types(self, name: str) -> list[str]:
        """Object types a value of abstract type ``name`` can have in this subgraph."""
        typedef = self.types.get(name)
        if typedef is None:
            return []
        if typedef.kind == "UNION":
            return list(typedef.members)
        if typedef.kind == "INTERFACE":
            return [
                t.name for t in self.types.values() if t.kind == "OBJECT" and name in t.interfaces
            ]
        if typedef.kind == "OBJECT":
            return [name]
        return []
