"""Merging named types across subgraphs: Apollo Federation 2 composition, "merging
types".

A type keeps one kind everywhere (``TYPE_KIND_MISMATCH``), except that an
``@interfaceObject`` object type merges into the interface of the same name. Every
subgraph defining a type gets a ``@join__type`` (one per ``@key``, with ``extension``,
``resolvable`` and ``isInterfaceObject`` as written); interfaces implemented in each
subgraph become ``@join__implements`` and union members ``@join__unionMember``
(outputs: union of what the subgraphs declare). Kind-specific rules live in
`merge_fields`, `merge_enums` and `merge_inputs`."""

from __future__ import annotations

from .context import MergeContext
from .directives import merge_applied, merge_description
from .interface_objects import add_interface_object_fields, validate_implementations
from .merge_enums import enum_usages, merge_enum
from .merge_fields import merge_object_fields
from .merge_inputs import merge_input_object
from .merged import JoinType, MergedType
from .subgraph import ROOT_NAMES, TypeDef

BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def _kind(typedef: TypeDef) -> str:
    return "INTERFACE" if typedef.interface_object else typedef.kind


def merge_schema(ctx: MergeContext) -> None:
    """Fill ``ctx.merged`` with every type of every subgraph."""
    merged = ctx.merged
    names: list[str] = []
    for subgraph in ctx.subgraphs:
        for name in subgraph.types:
            if name not in names and name not in BUILTIN_SCALARS:
                names.append(name)
    sources: dict[str, list[TypeDef | None]] = {}
    for name in names:
        types = ctx.type_sources(name)
        kinds = {_kind(t) for t in types if t is not None}
        if len(kinds) > 1:
            detail = "; ".join(
                f'"{t.kind.lower().replace("_", " ")}" in subgraph "{ctx.names[i]}"'
                for i, t in enumerate(types)
                if t is not None
            )
            ctx.collector.error(
                "TYPE_KIND_MISMATCH",
                f'Type "{name}" has mismatched kind: it is defined as {detail}',
                [ctx.names[i] for i, t in enumerate(types) if t is not None],
                [name],
            )
            continue
        kind = kinds.pop()
        if kind == "INTERFACE" and all(t is None or t.interface_object for t in types):
            ctx.collector.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                f'Type "{name}" is declared with @interfaceObject in all the subgraphs in '
                "which is is defined (it should be an interface in at least one subgraph)",
                [ctx.names[i] for i, t in enumerate(types) if t is not None],
                [name],
            )
            continue
        sources[name] = types
        merged.types[name] = MergedType(
            name,
            kind,
            description=merge_description(
                [t.description if t else None for t in types], ctx.names, name, ctx.collector
            ),
            applied=merge_applied(
                [t.applied if t else None for t in types], ctx.composed_directives
            ),
            joins=_join_types(ctx, types),
        )
    _merge_implements_and_members(ctx, sources)
    usages = enum_usages(ctx)
    for name, types in sources.items():
        dest = merged.types[name]
        if dest.kind in ("OBJECT", "INTERFACE"):
            merge_object_fields(ctx, dest, types)
        elif dest.kind == "ENUM":
            merge_enum(ctx, dest, types, usages.get(name, set()))
        elif dest.kind == "INPUT_OBJECT":
            merge_input_object(ctx, dest, types)
    add_interface_object_fields(ctx)
    validate_implementations(ctx)
    for op, root in ROOT_NAMES.items():
        if root in merged.types and merged.types[root].fields:
            merged.roots[op] = root
    if "query" not in merged.roots:
        ctx.collector.error(
            "NO_QUERIES",
            "No queries found in any subgraph: a supergraph must have a query root type.",
            ctx.names,
        )


def _join_types(ctx: MergeContext, types: list[TypeDef | None]) -> list[JoinType]:
    joins: list[JoinType] = []
    for i, typedef in enumerate(types):
        if typedef is None:
            continue
        graph = ctx.graphs[i]
        if not typedef.keys:
            joins.append(JoinType(graph, is_interface_object=typedef.interface_object))
            continue
        for key in typedef.keys:
            joins.append(
                JoinType(
                    graph,
                    key.fields,
                    extension=key.on_extension or typedef.extends,
                    resolvable=key.resolvable,
                    is_interface_object=typedef.interface_object,
                )
            )
    return joins


def _merge_implements_and_members(
    ctx: MergeContext, sources: dict[str, list[TypeDef | None]]
) -> None:
    merged = ctx.merged
    for name, types in sources.items():
        dest = merged.types[name]
        for i, typedef in enumerate(types):
            if typedef is None:
                continue
            for iface in typedef.interfaces:
                if iface not in merged.types:
                    continue
                if iface not in dest.interfaces:
                    dest.interfaces.append(iface)
                dest.implements.append((ctx.graphs[i], iface))
            for member in typedef.members:
                if member not in dest.members and member in merged.types:
                    dest.members.append(member)
        if dest.kind == "UNION":
            for member in dest.members:
                for i, typedef in enumerate(types):
                    if typedef is not None and member in typedef.members:
                        dest.union_members.append((ctx.graphs[i], member))
