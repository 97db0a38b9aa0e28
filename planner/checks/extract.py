"""Recover each subgraph's SDL from a supergraph's join metadata, so ``planner check
--supergraph CURRENT --subgraph NAME=FILE`` can compose the proposal without being
given the other subgraphs' SDLs (Apollo's ``extractSubgraphsFromSupergraph`` does
the same for ``rover``).

For each subgraph: the types ``@join__type`` puts in it (with their ``@key``s and
``@interfaceObject``), the fields ``@join__field`` gives it (with ``@external``,
``@requires``, ``@provides``, ``@override``; ``@shareable`` where another subgraph
resolves the same field), the interfaces, union members and enum values it declares,
and the ``@inaccessible`` marks. The result composes back into an equivalent
supergraph; it is not the original text (comments, unused imports and descriptions
of elements other subgraphs also define may differ)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    parse_type,
    print_ast,
)

from planner.compose import Subgraph
from planner.supergraph import FieldInGraph, Supergraph

FEDERATION_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: '
    '["@key", "@external", "@requires", "@provides", "@shareable", "@override", '
    '"@inaccessible", "@tag", "@interfaceObject"])'
)

_BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def extract_subgraphs(supergraph: Supergraph) -> list[Subgraph]:
    """One `Subgraph` (name, routing URL, Federation 2 SDL) per ``join__Graph`` value."""
    return [
        Subgraph(info.name, info.url, _subgraph_sdl(supergraph, info.name))
        for info in sorted(supergraph.subgraphs.values(), key=lambda i: i.name)
    ]


def _directive(name: str, **arguments: str | bool) -> DirectiveNode:
    args = tuple(
        ArgumentNode(
            name=NameNode(value=key),
            value=BooleanValueNode(value=value)
            if isinstance(value, bool)
            else StringValueNode(value=value),
        )
        for key, value in arguments.items()
    )
    return DirectiveNode(name=NameNode(value=name), arguments=args)


def _replace(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes changed (nodes may be frozen)."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **changes)
    clone = copy.copy(node)
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone


class _Extractor:
    def __init__(self, supergraph: Supergraph, graph: str) -> None:
        self.supergraph = supergraph
        self.graph = graph
        self.inaccessible = supergraph.inaccessible_name

    def spec_type(self, name: str) -> bool:
        prefixes = self.supergraph.spec_type_prefixes
        return bool(prefixes) and name.startswith(prefixes)

    def kept(self, node: Any) -> tuple[DirectiveNode, ...]:
        """The element's own directives a subgraph states: ``@inaccessible``, ``@tag``."""
        result: list[DirectiveNode] = []
        for d in getattr(node, "directives", None) or ():
            if self.inaccessible is not None and d.name.value == self.inaccessible:
                result.append(_directive("inaccessible"))
            elif d.name.value == "tag":
                result.append(_replace(d))
        return tuple(result)

    def in_graph(self, type_name: str) -> bool:
        graphs = self.supergraph.type_graphs.get(type_name)
        if graphs is None:
            return type_name not in self._annotated
        return self.graph in graphs

    @property
    def _annotated(self) -> set[str]:
        return set(self.supergraph.type_graphs)

    def definitions(self) -> Iterable[Any]:
        for definition in self.supergraph.document.definitions:
            if isinstance(definition, DirectiveDefinitionNode):
                name = definition.name.value
                if name not in self.supergraph.spec_directive_names and not self.spec_type(name):
                    yield definition
                continue
            if not isinstance(definition, TypeDefinitionNode):
                continue
            name = definition.name.value
            if self.spec_type(name) or name in _BUILT_IN_SCALARS:
                continue
            if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
                node = self.composite(definition)
            elif not self.value_type_in_graph(definition):
                node = None
            elif isinstance(definition, UnionTypeDefinitionNode):
                node = self.union(definition)
            elif isinstance(definition, EnumTypeDefinitionNode):
                node = self.enum(definition)
            elif isinstance(definition, InputObjectTypeDefinitionNode):
                node = self.input(definition)
            elif isinstance(definition, ScalarTypeDefinitionNode):
                node = _replace(definition, directives=self.kept(definition))
            else:
                node = None
            if node is not None:
                yield node

    def value_type_in_graph(self, definition: TypeDefinitionNode) -> bool:
        name = definition.name.value
        join = f"{self._join_prefix()}type"
        annotated = [d for d in definition.directives or () if d.name.value == join]
        if not annotated:
            return True  # join v0.1 left enums, inputs and scalars unannotated
        return self.in_graph(name)

    def _join_prefix(self) -> str:
        for prefix in self.supergraph.spec_type_prefixes:
            if f"{prefix}Graph" in self.supergraph.schema.type_map:
                return prefix
        return "join__"

    def composite(self, definition: Any) -> Any:
        name = definition.name.value
        supergraph = self.supergraph
        info = supergraph.type_in_graph(name, self.graph)
        if info is None:
            return None
        fields = [f for f in (self.field(name, fdef) for fdef in definition.fields or ()) if f]
        if not fields:
            return None
        directives = [
            _directive("key", fields=k.fields)
            if k.resolvable
            else _directive("key", fields=k.fields, resolvable=False)
            for k in info.keys
        ]
        if info.is_interface_object:
            directives.append(_directive("interfaceObject"))
        directives += self.kept(definition)
        declared = supergraph.implements.get(name)
        interfaces = tuple(
            i
            for i in definition.interfaces or ()
            if (
                i.name.value in declared.get(self.graph, frozenset())
                if declared is not None
                else self.in_graph(i.name.value)
            )
        )
        if info.is_interface_object:
            interfaces = ()
            definition = ObjectTypeDefinitionNode(
                name=definition.name, description=definition.description
            )
        return _replace(
            definition, fields=tuple(fields), directives=tuple(directives), interfaces=interfaces
        )

    def field(self, type_name: str, fdef: FieldDefinitionNode) -> FieldDefinitionNode | None:
        entry = self.supergraph.field_in_graph(type_name, fdef.name.value, self.graph)
        if entry is None:
            return None
        directives: list[DirectiveNode] = []
        if entry.external:
            directives.append(_directive("external"))
        if entry.requires is not None:
            directives.append(_directive("requires", fields=entry.requires))
        if entry.provides is not None:
            directives.append(_directive("provides", fields=entry.provides))
        if entry.override is not None:
            if entry.override_label:
                directives.append(
                    _directive(
                        "override", **{"from": entry.override, "label": entry.override_label}
                    )
                )
            else:
                directives.append(_directive("override", **{"from": entry.override}))
        if self.shared(type_name, fdef.name.value, entry):
            directives.append(_directive("shareable"))
        directives += self.kept(fdef)
        field_type = parse_type(entry.type) if entry.type else fdef.type
        arguments = tuple(_replace(a, directives=self.kept(a)) for a in fdef.arguments or ())
        result: FieldDefinitionNode = _replace(
            fdef, type=field_type, directives=tuple(directives), arguments=arguments
        )
        return result

    def shared(self, type_name: str, field_name: str, entry: FieldInGraph) -> bool:
        if entry.external or entry.override is not None or entry.used_overridden:
            return False
        resolvers = [
            e
            for e in self.supergraph.field_graph_entries(type_name, field_name)
            if e.graph is not None and not e.external and not e.used_overridden
        ]
        return len({e.graph for e in resolvers}) > 1 and not any(
            e.override is not None for e in resolvers
        )

    def union(self, definition: UnionTypeDefinitionNode) -> Any:
        name = definition.name.value
        declared = self.supergraph.union_members.get(name)
        members = tuple(
            t
            for t in definition.types or ()
            if (
                t.name.value in declared.get(self.graph, frozenset())
                if declared is not None
                else self.in_graph(t.name.value)
            )
        )
        if not members:
            return None
        return _replace(definition, types=members, directives=self.kept(definition))

    def enum(self, definition: EnumTypeDefinitionNode) -> Any:
        name = definition.name.value
        values_graphs = self.supergraph.enum_values
        annotated = any((name, v.name.value) in values_graphs for v in definition.values or ())
        values = tuple(
            _replace(v, directives=self.kept(v))
            for v in definition.values or ()
            if not annotated or self.graph in values_graphs.get((name, v.name.value), frozenset())
        )
        if not values:
            return None
        return _replace(definition, values=values, directives=self.kept(definition))

    def input(self, definition: InputObjectTypeDefinitionNode) -> Any:
        name = definition.name.value
        fields = []
        for f in definition.fields or ():
            entries = self.supergraph.field_graphs.get((name, f.name.value))
            if entries is not None and not any(e.graph == self.graph for e in entries):
                continue
            fields.append(_replace(f, directives=self.kept(f)))
        if not fields:
            return None
        return _replace(definition, fields=tuple(fields), directives=self.kept(definition))


def _referenced(node: Any) -> set[str]:
    names: set[str] = set()
    for fdef in getattr(node, "fields", None) or ():
        names.add(_named(fdef.type))
        names.update(_named(a.type) for a in getattr(fdef, "arguments", None) or ())
    return names


def _named(type_node: Any) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type
    return str(type_node.name.value)


def _subgraph_sdl(supergraph: Supergraph, graph: str) -> str:
    definitions = list(_Extractor(supergraph, graph).definitions())
    defined = {d.name.value for d in definitions} | _BUILT_IN_SCALARS
    # An element whose type this subgraph does not define cannot be stated here.
    kept = []
    for node in definitions:
        fields = getattr(node, "fields", None)
        if fields and not isinstance(node, DirectiveDefinitionNode):
            ok = tuple(
                f
                for f in fields
                if _named(f.type) in defined
                and all(_named(a.type) in defined for a in getattr(f, "arguments", None) or ())
            )
            if not ok:
                continue
            node = _replace(node, fields=ok)
        kept.append(node)
    body = print_ast(DocumentNode(definitions=tuple(kept)))
    return f"{FEDERATION_LINK}\n\n{body}\n"
