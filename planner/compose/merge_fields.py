"""Merging the fields of object and interface types (and of ``@interfaceObject`` types
into their interface): Apollo Federation 2 composition, "merging fields".

* A field's merged type is the most general of the subgraphs' (non-``@external``)
  types — ``FIELD_TYPE_MISMATCH`` when they are not related by sub-typing; an
  ``@external`` copy must accept the merged type (``EXTERNAL_TYPE_MISMATCH``).
* A field ``@external`` in every subgraph defining it has no resolver
  (``EXTERNAL_MISSING_ON_BASE``).
* Arguments are intersected (``REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH`` when a
  required one is missing somewhere); their types merge as inputs (most restrictive).
* An object field resolved by several subgraphs must be shareable in all of them
  (``INVALID_FIELD_SHARING``).
* ``@join__field`` is written only when needed: the field is missing from a subgraph
  that has its parent type, some copy is external or has ``@requires``/``@provides``,
  the types differ (then every copy records ``type:``), or ``@override`` applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from graphql import print_ast

from .context import MergeContext
from .directives import merge_applied, merge_description
from .merged import JoinField, MergedArgument, MergedField, MergedType
from .overrides import FieldMergeContext, resolve_overrides
from .subgraph import Field, TypeDef
from .typeref import TypeRef, is_subtype

_T = TypeVar("_T")


def union_of_names(groups: Iterable[Iterable[str]]) -> list[str]:
    """Every name found in any subgraph, in first-seen order."""
    names: list[str] = []
    for group in groups:
        for name in group:
            if name not in names:
                names.append(name)
    return names


def by_presence(
    indexes: list[int], elements: Sequence[Mapping[str, _T] | None], name: str
) -> tuple[list[tuple[int, _T]], list[int]]:
    """Split subgraph indexes into those whose elements hold `name` (with it) and those
    where it is missing — the first step of every intersection merge rule."""
    found: list[tuple[int, _T]] = []
    missing: list[int] = []
    for index in indexes:
        element = elements[index]
        value = element.get(name) if element is not None else None
        if value is None:
            missing.append(index)
        else:
            found.append((index, value))
    return found, missing


def subgraph_list(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def merge_type_reference(
    ctx: MergeContext,
    types: list[tuple[int, TypeRef]],
    coordinate: str,
    input_position: bool,
    code: str,
) -> tuple[TypeRef | None, bool]:
    """Merge the types of one element; returns (merged type, all types equal)."""
    subtype = ctx.merged.is_named_subtype
    result: TypeRef | None = None
    all_equal = True
    incompatible = False
    for _, ref in types:
        if result is None:
            result = ref
            continue
        if ref == result:
            continue
        all_equal = False
        if is_subtype(ref, result, subtype):
            if input_position:
                result = ref
        elif is_subtype(result, ref, subtype):
            if not input_position:
                result = ref
        else:
            incompatible = True
    if incompatible:
        names = ctx.names
        details = "; ".join(f'type "{ref}" in {subgraph_list([names[i]])}' for i, ref in types)
        kind = "Type of field" if code == "FIELD_TYPE_MISMATCH" else "Type of"
        ctx.collector.error(
            code,
            f'{kind} "{coordinate}" is incompatible across subgraphs: it has {details}',
            [names[i] for i, _ in types],
            [coordinate],
        )
        return None, False
    if not all_equal:
        ctx.collector.hint(
            "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"
            if code == "FIELD_TYPE_MISMATCH"
            else "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE",
            f'Type of "{coordinate}" is inconsistent but compatible across subgraphs: '
            f'it will have type "{result}" in the supergraph.',
            [ctx.names[i] for i, _ in types],
            [coordinate],
        )
    return result, all_equal


def _default(node: object) -> str | None:
    return print_ast(node) if node is not None else None  # type: ignore[arg-type]


def merge_arguments(
    ctx: MergeContext, sources: list[Field | None], dest: MergedField, coordinate: str
) -> None:
    names = union_of_names(source.args if source else () for source in sources)
    present = [i for i, s in enumerate(sources) if s is not None]
    for name in names:
        arg_coordinate = f"{coordinate}({name}:)"
        args, missing = by_presence(present, [s.args if s else None for s in sources], name)
        if missing:
            required = [i for i, a in args if a.type.is_non_null and a.default is None]
            if required:
                ctx.collector.error(
                    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                    f'Argument "{arg_coordinate}" is required in some subgraphs but does not '
                    f"appear in all subgraphs: it is required in "
                    f"{subgraph_list([ctx.names[i] for i in required])} but does not appear "
                    f"in {subgraph_list([ctx.names[i] for i in missing])}",
                    [ctx.names[i] for i in required + missing],
                    [arg_coordinate],
                )
            else:
                ctx.collector.hint(
                    "INCONSISTENT_ARGUMENT_PRESENCE",
                    f'Optional argument "{arg_coordinate}" will not be included in the '
                    "supergraph as it does not appear in all subgraphs",
                    [ctx.names[i] for i in missing],
                    [arg_coordinate],
                )
            continue
        merged_type, _ = merge_type_reference(
            ctx, [(i, a.type) for i, a in args], arg_coordinate, True, "ARGUMENT_TYPE_MISMATCH"
        )
        if merged_type is None:
            continue
        defaults = {_default(a.default) for _, a in args if a.default is not None}
        if len(defaults) > 1:
            ctx.collector.error(
                "ARGUMENT_DEFAULT_MISMATCH",
                f'Argument "{arg_coordinate}" has incompatible default values across subgraphs',
                [ctx.names[i] for i, _ in args],
                [arg_coordinate],
            )
        default = next((a.default for _, a in args if a.default is not None), None)
        dest.args[name] = MergedArgument(
            name,
            merged_type,
            default,
            merge_description(
                [a.description for _, a in args],
                [ctx.names[i] for i, _ in args],
                arg_coordinate,
                ctx.collector,
            ),
            merge_applied([a.applied for _, a in args], ctx.composed_directives),
        )


def merge_object_fields(ctx: MergeContext, dest: MergedType, types: list[TypeDef | None]) -> None:
    """Merge every field of object or interface type ``dest`` from its subgraph copies."""
    field_names: list[str] = []
    for typedef in types:
        for name in typedef.fields if typedef else ():
            if name not in field_names:
                field_names.append(name)
    for name in field_names:
        merged = merge_field(ctx, dest, types, name)
        if merged is not None:
            dest.fields[name] = merged


def merge_field(
    ctx: MergeContext, dest: MergedType, types: list[TypeDef | None], name: str
) -> MergedField | None:
    coordinate = f"{dest.name}.{name}"
    sources = ctx.field_sources(types, name)
    parent = dest.name
    external = [s is not None and ctx.is_external(i, parent, name) for i, s in enumerate(sources)]
    defining = [i for i, s in enumerate(sources) if s is not None]
    if all(external[i] for i in defining):
        ctx.collector.error(
            "EXTERNAL_MISSING_ON_BASE",
            f'Field "{coordinate}" is marked @external on all the subgraphs in which it is '
            f"listed ({subgraph_list([ctx.names[i] for i in defining])}).",
            [ctx.names[i] for i in defining],
            [coordinate],
        )
        return None
    mctx = resolve_overrides(ctx, coordinate, sources, parent)
    resolving: list[Field | None] = [
        s if s is not None and not external[i] else None for i, s in enumerate(sources)
    ]
    merged_type, all_equal = merge_type_reference(
        ctx,
        [(i, s.type) for i, s in enumerate(resolving) if s is not None],
        coordinate,
        False,
        "FIELD_TYPE_MISMATCH",
    )
    if merged_type is None:
        return None
    result = MergedField(
        name,
        merged_type,
        description=merge_description(
            [s.description if s else None for s in resolving],
            ctx.names,
            coordinate,
            ctx.collector,
        ),
        applied=merge_applied(
            [s.applied if s else None for s in resolving], ctx.composed_directives
        ),
    )
    merge_arguments(ctx, resolving, result, coordinate)
    _validate_externals(ctx, sources, external, result, coordinate)
    if dest.kind == "OBJECT":
        _validate_sharing(ctx, sources, external, mctx, parent, coordinate)
    if _needs_join_field(ctx, sources, types, external, all_equal, mctx):
        for i, source in enumerate(sources):
            if source is None or (i in mctx.unused_overridden and i not in mctx.labels):
                continue
            result.joins.append(
                JoinField(
                    graph=ctx.graphs[i],
                    requires=source.requires,
                    provides=source.provides,
                    type=None if all_equal else str(source.type),
                    external=external[i],
                    override=source.override_from,
                    used_overridden=i in mctx.used_overridden,
                    override_label=mctx.labels.get(i),
                )
            )
    return result


def _needs_join_field(
    ctx: MergeContext,
    sources: list[Field | None],
    types: list[TypeDef | None],
    external: list[bool],
    all_equal: bool,
    mctx: FieldMergeContext,
) -> bool:
    if not all_equal or mctx.any_override_effect():
        return True
    for i, source in enumerate(sources):
        if source is not None and i not in mctx.unused_overridden:
            if external[i] or source.requires is not None or source.provides is not None:
                return True
        elif types[i] is not None:
            return True
    return False


def _validate_externals(
    ctx: MergeContext,
    sources: list[Field | None],
    external: list[bool],
    dest: MergedField,
    coordinate: str,
) -> None:
    subtype = ctx.merged.is_named_subtype
    for i, source in enumerate(sources):
        if source is None or not external[i]:
            continue
        if not is_subtype(dest.type, source.type, subtype):
            ctx.collector.error(
                "EXTERNAL_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs (where marked '
                f'@external): it has type "{dest.type}" in the supergraph but type '
                f'"{source.type}" in {subgraph_list([ctx.names[i]])}',
                [ctx.names[i]],
                [coordinate],
            )
        for arg in dest.args:
            if arg not in source.args:
                ctx.collector.error(
                    "EXTERNAL_ARGUMENT_MISSING",
                    f'Field "{coordinate}" is missing argument "{coordinate}({arg}:)" in '
                    f"some subgraphs where it is marked @external: {ctx.names[i]}",
                    [ctx.names[i]],
                    [f"{coordinate}({arg}:)"],
                )


def _validate_sharing(
    ctx: MergeContext,
    sources: list[Field | None],
    external: list[bool],
    mctx: FieldMergeContext,
    parent: str,
    coordinate: str,
) -> None:
    resolving: list[int] = []
    non_shareable: list[int] = []
    for i, source in enumerate(sources):
        if source is None or external[i]:
            continue
        if i in mctx.used_overridden or i in mctx.unused_overridden:
            continue
        typedef = ctx.subgraphs[i].types[parent]
        if typedef.interface_object:
            continue
        resolving.append(i)
        if not ctx.metadata[i].is_shareable(parent, source.name):
            non_shareable.append(i)
    if non_shareable and len(resolving) > 1:
        names = ctx.names
        ctx.collector.error(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
            f"resolved from {subgraph_list([names[i] for i in resolving])} and defined as "
            f"non-shareable in {subgraph_list([names[i] for i in non_shareable])}",
            [names[i] for i in resolving],
            [coordinate],
        )
