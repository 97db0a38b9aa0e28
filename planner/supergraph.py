"""Read a Federation v2 supergraph SDL into an immutable model.

Implements the reading side of the join spec (https://specs.apollo.dev/join,
v0.1 to v0.5) and the core-schema ``@link`` spec: which subgraph ("graph")
defines each type, with which keys, and which subgraphs resolve each field —
with ``requires``, ``provides``, ``external``, ``override`` and
``usedOverridden``. Directive names follow the ``@link(as:)`` renames.

The model answers the questions the planner asks ("can graph G resolve field
T.f?", "which runtime types of interface I can graph G return?") in O(1) from
dictionaries built once here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    ListValueNode,
    NullValueNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    ValueNode,
    build_ast_schema,
    parse,
)

from planner.api_schema import build_api_schema
from planner.errors import SupergraphError
from planner.specs import JOIN, is_spec_type, linked_spec_names, spec_url
from planner.validation import SchemaIndex


@dataclass(frozen=True, slots=True)
class SubgraphInfo:
    """One subgraph named in the ``join__Graph`` enum."""

    name: str
    url: str
    enum_value: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A ``@key`` of a type in one subgraph."""

    fields: str
    resolvable: bool = True


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    """How one subgraph defines a type (``@join__type``)."""

    graph: str
    keys: tuple[KeyInfo, ...] = ()
    extension: bool = False
    is_interface_object: bool = False

    resolvable_keys: tuple[KeyInfo, ...] = field(init=False, repr=False, compare=False)
    """The keys another subgraph may call ``_entities`` with (computed from `keys`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "resolvable_keys", tuple(k for k in self.keys if k.resolvable))


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """How one subgraph defines a field (``@join__field``)."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False

    @property
    def resolvable(self) -> bool:
        return self.graph is not None and not self.external and not self.used_overridden


@dataclass(frozen=True)
class Supergraph:
    """An immutable, query-ready view of a supergraph SDL."""

    sdl: str
    schema: GraphQLSchema
    document: DocumentNode
    subgraphs: Mapping[str, SubgraphInfo]
    type_graphs: Mapping[str, Mapping[str, TypeInGraph]]
    field_graphs: Mapping[tuple[str, str], tuple[FieldInGraph, ...]]
    implements: Mapping[str, Mapping[str, frozenset[str]]]
    union_members: Mapping[str, Mapping[str, frozenset[str]]]
    enum_values: Mapping[tuple[str, str], frozenset[str]]
    inaccessible_name: str | None
    owner: Mapping[str, str] = field(default_factory=dict)
    spec_directive_names: frozenset[str] = frozenset()
    spec_type_prefixes: tuple[str, ...] = ()

    @staticmethod
    def parse(sdl: str) -> Supergraph:
        """Parse and check a supergraph SDL; raise `SupergraphError` naming the problem."""
        return _read_supergraph(sdl)

    @cached_property
    def sdl_hash(self) -> str:
        return hashlib.sha256(self.sdl.encode()).hexdigest()

    @cached_property
    def api_schema(self) -> GraphQLSchema:
        """The client-facing schema: no join machinery, no ``@inaccessible`` elements."""
        return build_api_schema(
            self.document,
            self.inaccessible_name,
            self.spec_directive_names,
            self.spec_type_prefixes,
        )

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Room for structures other modules derive from this supergraph once and share
        (the planner's query graph), so they live exactly as long as it does."""
        return {}

    @cached_property
    def validation_index(self) -> SchemaIndex:
        """The API schema's look-ups for the fast validation path, built once."""
        return SchemaIndex(self.api_schema)

    # --- questions the planner asks -------------------------------------------------

    def named_type(self, name: str) -> GraphQLNamedType:
        named = self.schema.type_map.get(name)
        if named is None:
            raise KeyError(name)
        return named

    def graphs_of_type(self, type_name: str) -> Mapping[str, TypeInGraph]:
        return self.type_graphs.get(type_name, {})

    def type_in_graph(self, type_name: str, graph: str) -> TypeInGraph | None:
        return self.type_graphs.get(type_name, {}).get(graph)

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        return (type_name, graph) in self._interface_objects

    @cached_property
    def _interface_objects(self) -> frozenset[tuple[str, str]]:
        return frozenset(
            (name, graph)
            for name, graphs in self.type_graphs.items()
            for graph, info in graphs.items()
            if info.is_interface_object
        )

    def field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        """The ``@join__field`` of T.f for graph G (a plain entry when implicit), or None
        when G does not define the field at all. Memoised: the planner asks this for
        every field it places, and the answer depends on the supergraph only."""
        memo = self._field_memo
        key = (type_name, field_name, graph)
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = self._field_in_graph(type_name, field_name, graph)
            return found

    @cached_property
    def _field_memo(self) -> dict[tuple[str, str, str], FieldInGraph | None]:
        return {}

    def _field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        entries = self.field_graphs.get((type_name, field_name))
        if entries is None:
            if graph not in self.type_graphs.get(type_name, {}):
                return None
            owner = self.owner.get(type_name)
            if (
                owner is not None
                and owner != graph
                and not self._is_key_field(type_name, field_name, graph)
            ):
                return None
            return FieldInGraph(graph=graph)
        for entry in entries:
            if entry.graph == graph:
                return entry
        return None

    def field_graph_entries(self, type_name: str, field_name: str) -> tuple[FieldInGraph, ...]:
        """Every graph that defines T.f, explicit or implicit."""
        entries = self.field_graphs.get((type_name, field_name))
        if entries is not None:
            return entries
        result: list[FieldInGraph] = []
        for graph in self.type_graphs.get(type_name, {}):
            entry = self.field_in_graph(type_name, field_name, graph)
            if entry is not None:
                result.append(entry)
        return tuple(result)

    def _is_key_field(self, type_name: str, field_name: str, graph: str) -> bool:
        info = self.type_in_graph(type_name, graph)
        if info is None:
            return False
        return any(field_name in key.fields.replace("{", " ").split() for key in info.keys)

    def possible_runtime_types(self, type_name: str, graph: str | None = None) -> list[str]:
        """Object types an abstract type can resolve to — in graph G when given.

        Sorted by name so plans are deterministic. Memoised (callers must not mutate).
        """
        memo = self._runtime_memo
        key = (type_name, graph)
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._possible_runtime_types(type_name, graph)
        return found

    @cached_property
    def _runtime_memo(self) -> dict[tuple[str, str | None], list[str]]:
        return {}

    def _possible_runtime_types(self, type_name: str, graph: str | None) -> list[str]:
        named = self.schema.type_map.get(type_name)
        if isinstance(named, GraphQLObjectType):
            return [type_name]
        if isinstance(named, GraphQLUnionType):
            if graph is None:
                return sorted(t.name for t in named.types)
            members = self.union_members.get(type_name)
            if members is not None:
                return sorted(members.get(graph, frozenset()))
            return sorted(t.name for t in named.types if graph in self.type_graphs.get(t.name, {}))
        if isinstance(named, GraphQLInterfaceType):
            objects = self.schema.get_possible_types(named)
            if graph is None:
                return sorted(t.name for t in objects)
            result = []
            for obj in objects:
                if graph not in self.type_graphs.get(obj.name, {}):
                    continue
                declared = self.implements.get(obj.name)
                if declared is not None and type_name not in declared.get(graph, frozenset()):
                    continue
                result.append(obj.name)
            return sorted(result)
        return []

    def interfaces_of(self, type_name: str) -> list[str]:
        named = self.schema.type_map.get(type_name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            return [i.name for i in named.interfaces]
        return []

    def is_entity(self, type_name: str) -> bool:
        return type_name in self._entities

    def is_abstract(self, type_name: str) -> bool:
        return type_name in self._abstract_types

    @cached_property
    def _entities(self) -> frozenset[str]:
        return frozenset(
            name
            for name, graphs in self.type_graphs.items()
            if any(info.keys for info in graphs.values())
        )

    @cached_property
    def _abstract_types(self) -> frozenset[str]:
        return frozenset(
            name
            for name, named in self.schema.type_map.items()
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType)
        )


# --- reading ---------------------------------------------------------------------------


def _read_supergraph(sdl: str) -> Supergraph:
    if not isinstance(sdl, str) or not sdl.strip():
        raise SupergraphError("the supergraph SDL is empty")
    try:
        document = parse(sdl, no_location=False)
    except GraphQLError as exc:
        raise SupergraphError(f"the supergraph SDL does not parse: {exc.message}") from exc
    names = linked_spec_names(document)
    join = names.get(JOIN)
    if join is None:
        raise SupergraphError(
            "not a supergraph: no @link (or @core) to the join spec "
            f"({spec_url(JOIN)}v0.x) on the schema definition"
        )
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"the supergraph SDL is not a valid schema: {exc}") from exc
    if schema.query_type is None:
        raise SupergraphError("the supergraph has no query root type")

    subgraphs = _read_graphs(document, join)
    if not subgraphs:
        raise SupergraphError(f"the supergraph defines no subgraphs ({join}__Graph enum is empty)")
    by_enum = {info.enum_value: info.name for info in subgraphs.values()}

    type_graphs: dict[str, dict[str, TypeInGraph]] = {}
    field_graphs: dict[tuple[str, str], tuple[FieldInGraph, ...]] = {}
    implements: dict[str, dict[str, set[str]]] = {}
    union_members: dict[str, dict[str, set[str]]] = {}
    enum_values: dict[tuple[str, str], frozenset[str]] = {}
    owner: dict[str, str] = {}

    for definition in _type_definitions(document):
        type_name = definition.name.value
        if is_spec_type(type_name, names):
            continue
        for directive in definition.directives or ():
            name = directive.name.value
            args = _arguments(directive)
            if name == f"{join}__type":
                graph = _graph_of(args, by_enum, type_name)
                if graph is None:
                    continue
                _add_type_in_graph(type_graphs, type_name, graph, args)
            elif name == f"{join}__owner":
                graph = _graph_of(args, by_enum, type_name)
                if graph is not None:
                    owner[type_name] = graph
            elif name == f"{join}__implements":
                graph = _graph_of(args, by_enum, type_name)
                if graph is not None:
                    implements.setdefault(type_name, {}).setdefault(graph, set()).add(
                        str(args.get("interface"))
                    )
            elif name == f"{join}__unionMember":
                graph = _graph_of(args, by_enum, type_name)
                if graph is not None:
                    union_members.setdefault(type_name, {}).setdefault(graph, set()).add(
                        str(args.get("member"))
                    )
        for fdef in getattr(definition, "fields", None) or ():
            entries = []
            for directive in fdef.directives or ():
                if directive.name.value != f"{join}__field":
                    continue
                args = _arguments(directive)
                graph = _graph_of(args, by_enum, f"{type_name}.{fdef.name.value}")
                entries.append(
                    FieldInGraph(
                        graph=graph,
                        requires=_opt_str(args.get("requires")),
                        provides=_opt_str(args.get("provides")),
                        type=_opt_str(args.get("type")),
                        external=bool(args.get("external", False)),
                        override=_opt_str(args.get("override")),
                        override_label=_opt_str(args.get("overrideLabel")),
                        used_overridden=bool(args.get("usedOverridden", False)),
                    )
                )
            if entries:
                key = (type_name, fdef.name.value)
                field_graphs[key] = field_graphs.get(key, ()) + tuple(entries)
        if isinstance(definition, EnumTypeDefinitionNode):
            for value in definition.values or ():
                graphs = {
                    g
                    for d in value.directives or ()
                    if d.name.value == f"{join}__enumValue"
                    and (g := _graph_of(_arguments(d), by_enum, type_name)) is not None
                }
                if graphs:
                    enum_values[(type_name, value.name.value)] = frozenset(graphs)

    # join v0.1 left value types unannotated: such a type exists in every subgraph.
    for named in schema.type_map.values():
        name = named.name
        if name.startswith("__") or is_spec_type(name, names) or name in type_graphs:
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            type_graphs[name] = {g: TypeInGraph(graph=g) for g in subgraphs}

    root_names = {
        t.name
        for t in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if t is not None
    }
    for root in root_names:
        # Root types are implicitly in every graph that has a root field.
        root_graphs = type_graphs.setdefault(root, {})
        for (field_type, _), field_entries in field_graphs.items():
            if field_type == root:
                for entry in field_entries:
                    if entry.graph is not None and entry.graph not in root_graphs:
                        root_graphs[entry.graph] = TypeInGraph(graph=entry.graph)

    special = {f"{join}__directive", f"{join}__enumValue"}
    spec_directives = frozenset(
        d.name
        for d in schema.directives
        if any(d.name.startswith(f"{prefix}__") for prefix in names.values())
        or d.name in names.values()
        or d.name in special
    )
    return Supergraph(
        sdl=sdl,
        schema=schema,
        document=document,
        subgraphs=subgraphs,
        type_graphs=type_graphs,
        field_graphs=field_graphs,
        implements={t: {g: frozenset(s) for g, s in m.items()} for t, m in implements.items()},
        union_members={
            t: {g: frozenset(s) for g, s in m.items()} for t, m in union_members.items()
        },
        enum_values=enum_values,
        inaccessible_name=names.get("inaccessible"),
        owner=owner,
        spec_directive_names=spec_directives,
        spec_type_prefixes=tuple(f"{p}__" for p in names.values()),
    )


def _type_definitions(
    document: DocumentNode,
) -> Iterable[TypeDefinitionNode | TypeExtensionNode]:
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            yield definition


def _read_graphs(document: DocumentNode, join: str) -> dict[str, SubgraphInfo]:
    graphs: dict[str, SubgraphInfo] = {}
    for definition in document.definitions:
        if (
            isinstance(definition, EnumTypeDefinitionNode)
            and definition.name.value == f"{join}__Graph"
        ):
            for value in definition.values or ():
                enum_value = value.name.value
                name, url = enum_value.lower(), ""
                for directive in value.directives or ():
                    if directive.name.value == f"{join}__graph":
                        args = _arguments(directive)
                        name = _opt_str(args.get("name")) or name
                        url = _opt_str(args.get("url")) or ""
                if name in graphs:
                    raise SupergraphError(f"subgraph name {name!r} appears twice in {join}__Graph")
                graphs[name] = SubgraphInfo(name=name, url=url, enum_value=enum_value)
    return graphs


def _add_type_in_graph(
    type_graphs: dict[str, dict[str, TypeInGraph]], type_name: str, graph: str, args: dict[str, Any]
) -> None:
    per_graph = type_graphs.setdefault(type_name, {})
    existing = per_graph.get(graph) or TypeInGraph(graph=graph)
    keys = existing.keys
    key = _opt_str(args.get("key"))
    if key is not None:
        keys = (*keys, KeyInfo(fields=key, resolvable=bool(args.get("resolvable", True))))
    per_graph[graph] = TypeInGraph(
        graph=graph,
        keys=keys,
        extension=existing.extension or bool(args.get("extension", False)),
        is_interface_object=existing.is_interface_object
        or bool(args.get("isInterfaceObject", False)),
    )


def _graph_of(args: dict[str, Any], by_enum: Mapping[str, str], where: str) -> str | None:
    value = args.get("graph")
    if value is None:
        return None
    name = by_enum.get(str(value))
    if name is None:
        raise SupergraphError(f"{where} names graph {value!r}, which join__Graph does not define")
    return name


def _arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: _value(arg.value) for arg in directive.arguments or ()}


def _value(node: ValueNode) -> Any:
    if isinstance(node, StringValueNode | EnumValueNode):
        return node.value
    if isinstance(node, BooleanValueNode):
        return node.value
    if isinstance(node, NullValueNode):
        return None
    if isinstance(node, ListValueNode):
        return [_value(v) for v in node.values]
    return getattr(node, "value", None)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "FieldInGraph",
    "KeyInfo",
    "SubgraphInfo",
    "Supergraph",
    "TypeInGraph",
]
