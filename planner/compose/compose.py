"""`compose`: subgraph SDLs in, supergraph SDL (or errors) out.

The steps follow Apollo Federation 2's composition: read and validate each subgraph
(`subgraph`, `subgraph_validation`), merge them (`merge_types` and the modules it
calls), check that every field reachable from a root can be resolved
(`satisfiability`), print the supergraph (`printer`)."""

from __future__ import annotations

import re

from .compose_directives import merge_compose_directives
from .context import MergeContext
from .executable_directives import merge_executable_directives
from .inaccessible import validate_inaccessible
from .merge_types import merge_schema
from .merged import MergedSchema
from .metadata import SubgraphMetadata
from .model import CompositionResult, ErrorCollector, Subgraph
from .printer import print_supergraph
from .satisfiability import check_satisfiability
from .subgraph import SubgraphSchema, TypeDef
from .subgraph_reader import read_subgraph
from .subgraph_validation import validate_subgraph

_NAME_OK = re.compile(r"^[^\s]+$")


def graph_enum_names(names: list[str]) -> list[str]:
    """``join__Graph`` values: upper-cased names, non-alphanumerics replaced by ``_``,
    a leading digit prefixed by ``_``, collisions suffixed ``_1``, ``_2``..."""
    result: list[str] = []
    for name in names:
        value = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
        if not value or value[0].isdigit():
            value = "_" + value
        candidate, n = value, 0
        while candidate in result:
            n += 1
            candidate = f"{value}_{n}"
        result.append(candidate)
    return result


def _check_inputs(subgraphs: list[Subgraph], collector: ErrorCollector) -> None:
    if not subgraphs:
        collector.error("NO_SUBGRAPHS", "No subgraphs to compose: the list is empty.")
        return
    seen: set[str] = set()
    for subgraph in subgraphs:
        name = subgraph.name
        if not isinstance(name, str) or not name or not _NAME_OK.match(name):
            collector.error(
                "INVALID_SUBGRAPH_NAME",
                f"Invalid subgraph name {name!r}: it must be a non-empty string without spaces.",
                (str(name),),
            )
        elif name == "_":
            collector.error(
                "INVALID_SUBGRAPH_NAME",
                'Invalid name "_" for a subgraph: this name is reserved',
                (name,),
            )
        elif name in seen:
            collector.error(
                "DUPLICATE_SUBGRAPH_NAME",
                f'A subgraph named "{name}" is listed more than once; subgraph names must be '
                "unique.",
                (name,),
            )
        seen.add(name)
        if not isinstance(subgraph.url, str):
            collector.error(
                "INVALID_SUBGRAPH_URL",
                f"Subgraph {name!r} has no routing URL (got {subgraph.url!r}).",
                (str(name),),
            )
        if not isinstance(subgraph.sdl, str) or not subgraph.sdl.strip():
            collector.error(
                "INVALID_GRAPHQL", f'[{name}] The SDL of subgraph "{name}" is empty.', (name,)
            )


def compose(subgraphs: list[Subgraph]) -> CompositionResult:
    """Compose ``subgraphs`` into a Federation 2 supergraph (join spec v0.3)."""

    collector = ErrorCollector()
    _check_inputs(subgraphs, collector)
    if collector.errors:
        return CompositionResult(None, collector.errors, collector.hints)
    ordered = sorted(subgraphs, key=lambda s: s.name)
    schemas: list[SubgraphSchema] = []
    for subgraph in ordered:
        schema = read_subgraph(subgraph.name, subgraph.url, subgraph.sdl, collector)
        if schema is not None:
            schemas.append(schema)
    if collector.errors:
        return CompositionResult(None, collector.errors, collector.hints)
    metadata: list[SubgraphMetadata] = []
    for schema in schemas:
        meta = SubgraphMetadata(schema, collector)
        validate_subgraph(schema, meta, collector)
        metadata.append(meta)
    if collector.errors:
        return CompositionResult(None, collector.errors, collector.hints)
    for schema in schemas:
        if "Query" not in schema.types:
            # Every subgraph has a Query type (with _entities/_service) once served.
            schema.types["Query"] = TypeDef("Query", "OBJECT", has_definition=True)
    graphs = graph_enum_names([s.name for s in schemas])
    merged = MergedSchema(
        graph_enum={g: (s.name, s.url) for g, s in zip(graphs, schemas, strict=True)}
    )
    ctx = MergeContext(schemas, metadata, graphs, collector, merged)

    merge_compose_directives(ctx)
    merged.composed_directive_defs += merge_executable_directives(ctx)
    merge_schema(ctx)
    if not collector.errors:
        validate_inaccessible(ctx)
    if collector.errors:
        return CompositionResult(None, collector.errors, collector.hints)
    check_satisfiability(ctx)
    if collector.errors:
        return CompositionResult(None, collector.errors, collector.hints)
    return CompositionResult(print_supergraph(merged), collector.errors, collector.hints)
