"""Merging input object types. Federation composition rule: inputs are intersected —
a field present in only some subgraphs is dropped (hint
``INCONSISTENT_INPUT_OBJECT_FIELD``) unless it is required somewhere
(``REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH``); field types merge to the most
restrictive; defaults must agree (``INPUT_FIELD_DEFAULT_MISMATCH``)."""

from __future__ import annotations

from graphql import print_ast

from .context import MergeContext
from .directives import merge_applied, merge_description
from .merge_fields import by_presence, merge_type_reference, subgraph_list, union_of_names
from .merged import JoinField, MergedField, MergedType
from .subgraph import TypeDef


def merge_input_object(ctx: MergeContext, dest: MergedType, types: list[TypeDef | None]) -> None:
    names = ctx.names
    defining = [i for i, t in enumerate(types) if t is not None]
    field_names = union_of_names(typedef.fields if typedef else () for typedef in types)
    for name in field_names:
        coordinate = f"{dest.name}.{name}"
        sources, missing = by_presence(defining, [t.fields if t else None for t in types], name)
        if missing:
            required = [i for i, f in sources if f.type.is_non_null and f.default is None]
            if required:
                ctx.collector.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    f'Input object field "{coordinate}" is required in some subgraphs but '
                    f"does not appear in all subgraphs: it is required in "
                    f"{subgraph_list([names[i] for i in required])} but does not appear in "
                    f"{subgraph_list([names[i] for i in missing])}",
                    [names[i] for i in required + missing],
                    [coordinate],
                )
            else:
                ctx.collector.hint(
                    "INCONSISTENT_INPUT_OBJECT_FIELD",
                    f'Input object field "{name}" will not be added to "{dest.name}" in the '
                    "supergraph as it does not appear in all subgraphs: it is defined in "
                    f"{subgraph_list([names[i] for i, _ in sources])} but not in "
                    f"{subgraph_list([names[i] for i in missing])}",
                    [names[i] for i in missing],
                    [coordinate],
                )
            continue
        merged_type, all_equal = merge_type_reference(
            ctx, [(i, f.type) for i, f in sources], coordinate, True, "FIELD_TYPE_MISMATCH"
        )
        if merged_type is None:
            continue
        defaults = {print_ast(f.default) for _, f in sources if f.default is not None}
        if len(defaults) > 1:
            ctx.collector.error(
                "INPUT_FIELD_DEFAULT_MISMATCH",
                f'Input field "{coordinate}" has incompatible default values across subgraphs',
                [names[i] for i, _ in sources],
                [coordinate],
            )
        merged = MergedField(
            name,
            merged_type,
            description=merge_description(
                [f.description for _, f in sources],
                [names[i] for i, _ in sources],
                coordinate,
                ctx.collector,
            ),
            applied=merge_applied([f.applied for _, f in sources], ctx.composed_directives),
            default=next((f.default for _, f in sources if f.default is not None), None),
        )
        if not all_equal:
            merged.joins = [JoinField(ctx.graphs[i], type=str(f.type)) for i, f in sources]
        dest.fields[name] = merged
    if not dest.fields:
        ctx.collector.error(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{dest.name}" are consistently defined '
            "in all the subgraphs defining that type. As only fields common to all subgraphs "
            "are merged, this would result in an empty type.",
            [names[i] for i in defining],
            [dest.name],
        )
