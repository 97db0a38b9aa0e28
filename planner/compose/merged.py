"""The merged (supergraph) schema being built: types and fields plus the join-spec
metadata (join v0.3: ``@join__type``, ``@join__field``, ``@join__implements``,
``@join__unionMember``, ``@join__enumValue``) recording which subgraph contributes
what. The printer turns it into SDL; satisfiability reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import ValueNode

from .subgraph import Applied
from .typeref import TypeRef

MergedApplied = Applied
"""Directives carried into the supergraph on an element: the same set a subgraph
element carries (``subgraph.Applied``), after merging across subgraphs."""


@dataclass
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool | None = None
    is_interface_object: bool = False


@dataclass
class JoinField:
    graph: str | None  # None: provided by an @interfaceObject (bare @join__field)
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None


@dataclass
class MergedArgument:
    name: str
    type: TypeRef
    default: ValueNode | None = None
    description: str | None = None
    applied: MergedApplied = field(default_factory=MergedApplied)


@dataclass
class MergedField:
    name: str
    type: TypeRef
    args: dict[str, MergedArgument] = field(default_factory=dict)
    description: str | None = None
    applied: MergedApplied = field(default_factory=MergedApplied)
    default: ValueNode | None = None  # input fields
    joins: list[JoinField] = field(default_factory=list)


@dataclass
class MergedEnumValue:
    name: str
    description: str | None = None
    applied: MergedApplied = field(default_factory=MergedApplied)
    graphs: list[str] = field(default_factory=list)


@dataclass
class MergedType:
    name: str
    kind: str
    description: str | None = None
    applied: MergedApplied = field(default_factory=MergedApplied)
    fields: dict[str, MergedField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)  # (graph, interface)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)  # (graph, member)
    values: dict[str, MergedEnumValue] = field(default_factory=dict)
    joins: list[JoinType] = field(default_factory=list)


@dataclass
class MergedSchema:
    types: dict[str, MergedType] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    graph_enum: dict[str, tuple[str, str]] = field(default_factory=dict)  # GRAPH -> (name, url)
    composed_links: list[str] = field(default_factory=list)  # printed @link(...) arguments
    composed_directive_defs: list[str] = field(default_factory=list)

    def possible_types(self, name: str) -> list[str]:
        typedef = self.types.get(name)
        if typedef is None:
            return []
        if typedef.kind == "OBJECT":
            return [name]
        if typedef.kind == "UNION":
            return list(typedef.members)
        if typedef.kind == "INTERFACE":
            return sorted(
                t.name for t in self.types.values() if t.kind == "OBJECT" and name in t.interfaces
            )
        return []

    def is_named_subtype(self, sub: str, sup: str) -> bool:
        if sub == sup:
            return True
        sup_type = self.types.get(sup)
        sub_type = self.types.get(sub)
        if sup_type is None or sub_type is None:
            return False
        if sup_type.kind == "UNION":
            return sub in sup_type.members
        if sup_type.kind == "INTERFACE":
            return sup in sub_type.interfaces
        return False
