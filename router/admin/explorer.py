"""The schema explorer's data: types, fields and relations of the served supergraph,
with which subgraph owns each type and which subgraphs resolve each field.

Everything comes from the join directives as ``planner.Supergraph`` reads them
(``type_graphs`` for ``@join__type``, ``field_graph_entries`` for ``@join__field``),
restricted to the client-facing API schema so hidden join machinery and
``@inaccessible`` elements never show up.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_specified_scalar_type,
)

from planner import Supergraph


def _kind(named: GraphQLNamedType) -> str:
    if isinstance(named, GraphQLObjectType):
        return "object"
    if isinstance(named, GraphQLInterfaceType):
        return "interface"
    if isinstance(named, GraphQLUnionType):
        return "union"
    if isinstance(named, GraphQLEnumType):
        return "enum"
    if isinstance(named, GraphQLInputObjectType):
        return "input"
    return "scalar"


def _composite(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


def schema_graph(supergraph: Supergraph, usage: dict[str, int] | None = None) -> dict[str, Any]:
    """JSON for the explorer: ``subgraphs``, ``types`` (with fields) and ``edges``.

    ``usage`` (``router.telemetry.schema_usage.field_usage``) gives each field its
    ``requests`` and each type the sum of its fields', for the heat colours."""
    usage = usage or {}
    api = supergraph.api_schema
    types: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for name in sorted(api.type_map):
        named = api.type_map[name]
        if name.startswith("__") or is_specified_scalar_type(named):
            continue
        graphs = sorted(supergraph.graphs_of_type(name))
        owner = supergraph.owner.get(name) or (graphs[0] if len(graphs) == 1 else None)
        entry: dict[str, Any] = {
            "name": name,
            "kind": _kind(named),
            "subgraphs": graphs,
            "owner": owner,
            "entity": supergraph.is_entity(name),
            "keys": {
                graph: [k.fields for k in info.keys]
                for graph, info in sorted(supergraph.graphs_of_type(name).items())
                if info.keys
            },
            "description": named.description,
            "fields": [],
        }
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                target = get_named_type(field.type)
                entries = supergraph.field_graph_entries(name, field_name)
                entry["fields"].append(
                    {
                        "name": field_name,
                        "type": str(field.type),
                        "target": target.name,
                        "args": [f"{a}: {arg.type}" for a, arg in field.args.items()],
                        "requests": usage.get(f"{name}.{field_name}", 0),
                        "resolvedBy": sorted(
                            {e.graph for e in entries if e.resolvable and e.graph}
                        ),
                        "requires": sorted({e.requires for e in entries if e.requires}),
                        "provides": sorted({e.provides for e in entries if e.provides}),
                        "external": sorted({e.graph for e in entries if e.external and e.graph}),
                    }
                )
                if _composite(target):
                    edges.append({"from": name, "to": target.name, "label": field_name})
            for interface in named.interfaces:
                edges.append({"from": name, "to": interface.name, "label": "implements"})
        elif isinstance(named, GraphQLUnionType):
            for member in named.types:
                edges.append({"from": name, "to": member.name, "label": "member"})
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                entry["fields"].append(
                    {
                        "name": field_name,
                        "type": str(input_field.type),
                        "target": get_named_type(input_field.type).name,
                        "args": [],
                        "resolvedBy": [],
                        "requires": [],
                        "provides": [],
                        "external": [],
                    }
                )
        elif isinstance(named, GraphQLEnumType):
            entry["values"] = list(named.values)
        entry["requests"] = sum(f.get("requests", 0) for f in entry["fields"])
        types.append(entry)
    return {
        "subgraphs": sorted(supergraph.subgraphs),
        "hash": supergraph.sdl_hash,
        "maxFieldRequests": max(usage.values(), default=0),
        "types": types,
        "edges": edges,
    }
