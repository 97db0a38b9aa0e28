"""Changes only the supergraph's join metadata shows: which subgraphs resolve a field
(and whether one took it over with ``@override``), entity ``@key``s, ``@inaccessible``
marks, and the subgraphs themselves.

Read from two `Supergraph` models (planner/supergraph.py), so the answer is the
planner's own view of each graph. Only elements present in both API schemas are
compared field by field: additions and removals are the API diff's business."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import (
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    TypeDefinitionNode,
    TypeExtensionNode,
)

from planner.checks.model import Change, Severity
from planner.supergraph import Supergraph


def federation_changes(old: Supergraph, new: Supergraph) -> list[Change]:
    """Every join-metadata difference between two supergraphs, classified."""
    changes: list[Change] = []
    changes += _subgraph_changes(old, new)
    changes += _field_changes(old, new)
    changes += _key_changes(old, new)
    changes += _inaccessible_changes(old, new)
    return changes


def _subgraph_changes(old: Supergraph, new: Supergraph) -> Iterator[Change]:
    for name in sorted(set(old.subgraphs) - set(new.subgraphs)):
        yield Change(
            Severity.DANGEROUS,
            "SUBGRAPH_REMOVED",
            name,
            f"Subgraph {name} was removed; what it resolved moved elsewhere or is gone.",
            "federation",
        )
    for name in sorted(set(new.subgraphs) - set(old.subgraphs)):
        yield Change(
            Severity.SAFE, "SUBGRAPH_ADDED", name, f"Subgraph {name} was added.", "federation"
        )
    for name in sorted(set(old.subgraphs) & set(new.subgraphs)):
        before, after = old.subgraphs[name].url, new.subgraphs[name].url
        if before != after:
            yield Change(
                Severity.SAFE,
                "SUBGRAPH_URL_CHANGED",
                name,
                f"Subgraph {name} moved from {before or '(none)'} to {after or '(none)'}.",
                "federation",
            )


def _shared_fields(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[tuple[str, str]]:
    """(type, field) of every object/interface field both API schemas have."""
    for name in sorted(set(old.type_map) & set(new.type_map)):
        if name.startswith("__"):
            continue
        before, after = old.type_map[name], new.type_map[name]
        if isinstance(before, GraphQLObjectType | GraphQLInterfaceType) and isinstance(
            after, GraphQLObjectType | GraphQLInterfaceType
        ):
            for field_name in sorted(set(before.fields) & set(after.fields)):
                yield name, field_name


def _resolvers(supergraph: Supergraph, type_name: str, field_name: str) -> set[str]:
    return {
        entry.graph
        for entry in supergraph.field_graph_entries(type_name, field_name)
        if entry.graph is not None and entry.resolvable
    }


def _field_changes(old: Supergraph, new: Supergraph) -> Iterator[Change]:
    for type_name, field_name in _shared_fields(old.api_schema, new.api_schema):
        before = _resolvers(old, type_name, field_name)
        after = _resolvers(new, type_name, field_name)
        if before == after:
            continue
        coordinate = f"{type_name}.{field_name}"
        gained, lost = sorted(after - before), sorted(before - after)
        overrides = {
            entry.graph: entry
            for entry in new.field_graph_entries(type_name, field_name)
            if entry.graph in gained and entry.override
        }
        if overrides:
            for graph, entry in sorted(overrides.items()):
                label = f" (label {entry.override_label})" if entry.override_label else ""
                yield Change(
                    Severity.DANGEROUS,
                    "FIELD_OVERRIDDEN",
                    coordinate,
                    f"{coordinate} moved to subgraph {graph} with @override(from: "
                    f'"{entry.override}"){label}; it was resolved by {_names(before)}.',
                    "federation",
                )
        elif lost:
            yield Change(
                Severity.DANGEROUS,
                "FIELD_RESOLVERS_REMOVED",
                coordinate,
                f"{coordinate} is no longer resolved by {_names(lost)} (now by {_names(after)}).",
                "federation",
            )
        else:
            yield Change(
                Severity.SAFE,
                "FIELD_RESOLVERS_ADDED",
                coordinate,
                f"{coordinate} can now also be resolved by {_names(gained)}.",
                "federation",
            )


def _keys(supergraph: Supergraph, type_name: str) -> set[tuple[str, str]]:
    return {
        (graph, " ".join(key.fields.split()))
        for graph, info in supergraph.graphs_of_type(type_name).items()
        for key in info.keys
    }


def _key_changes(old: Supergraph, new: Supergraph) -> Iterator[Change]:
    for type_name in sorted(set(old.schema.type_map) & set(new.schema.type_map)):
        before, after = _keys(old, type_name), _keys(new, type_name)
        for graph, fields in sorted(before - after):
            yield Change(
                Severity.DANGEROUS,
                "KEY_REMOVED",
                type_name,
                f'@key(fields: "{fields}") of {type_name} was removed from subgraph {graph}; '
                "plans that entered it through this key need another path.",
                "federation",
            )
        for graph, fields in sorted(after - before):
            yield Change(
                Severity.SAFE,
                "KEY_ADDED",
                type_name,
                f'@key(fields: "{fields}") was added to {type_name} in subgraph {graph}.',
                "federation",
            )


def inaccessible_elements(supergraph: Supergraph) -> set[str]:
    """Coordinates of every element the supergraph marks ``@inaccessible``."""
    directive = supergraph.inaccessible_name
    if directive is None:
        return set()
    found: set[str] = set()

    def marked(node: object) -> bool:
        return any(d.name.value == directive for d in getattr(node, "directives", None) or ())

    for definition in supergraph.document.definitions:
        if not isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            continue
        type_name = definition.name.value
        if marked(definition):
            found.add(type_name)
        if isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            found.update(
                f"{type_name}.{v.name.value}" for v in definition.values or () if marked(v)
            )
            continue
        for fdef in getattr(definition, "fields", None) or ():
            coordinate = f"{type_name}.{fdef.name.value}"
            if marked(fdef):
                found.add(coordinate)
            found.update(
                f"{coordinate}({a.name.value}:)"
                for a in getattr(fdef, "arguments", None) or ()
                if marked(a)
            )
    return found


def _exists(schema: GraphQLSchema, coordinate: str) -> bool:
    """Whether a coordinate names an element of ``schema`` (the full supergraph)."""
    type_name, _, rest = coordinate.partition(".")
    named = schema.type_map.get(type_name)
    if named is None or not rest:
        return named is not None
    field_name, _, arg = rest.partition("(")
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        field = named.fields.get(field_name)
        if field is None:
            return False
        return not arg or arg[:-2] in getattr(field, "args", {})
    return field_name in getattr(named, "values", {})


def _inaccessible_changes(old: Supergraph, new: Supergraph) -> Iterator[Change]:
    before, after = inaccessible_elements(old), inaccessible_elements(new)
    for coordinate in sorted(after - before):
        if _exists(old.schema, coordinate):
            yield Change(
                Severity.BREAKING,
                "INACCESSIBLE_ADDED",
                coordinate,
                f"{coordinate} was marked @inaccessible: clients can no longer use it.",
                "federation",
            )
    for coordinate in sorted(before - after):
        if _exists(new.schema, coordinate):
            yield Change(
                Severity.SAFE,
                "INACCESSIBLE_REMOVED",
                coordinate,
                f"{coordinate} is no longer @inaccessible: clients can use it.",
                "federation",
            )


def _names(graphs: Iterable[str]) -> str:
    names = sorted(graphs)
    return ", ".join(names) if names else "no subgraph"
