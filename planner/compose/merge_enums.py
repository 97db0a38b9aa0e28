"""Merging enum types. Federation composition rule: an enum used only as an output
type gets the union of the subgraphs' values; used only as an input it gets their
intersection (dropped values are hinted); used as both, every subgraph must define the
same values (``ENUM_VALUE_MISMATCH``) unless the differing value is ``@inaccessible``.
``@join__enumValue`` records which subgraphs define each value."""

from __future__ import annotations

from .context import MergeContext
from .directives import merge_applied, merge_description
from .merge_fields import subgraph_list
from .merged import MergedEnumValue, MergedType
from .subgraph import TypeDef


def enum_usages(ctx: MergeContext) -> dict[str, set[str]]:
    """For each enum name, the positions ("Input", "Output") it is used in."""
    usages: dict[str, set[str]] = {}
    for subgraph in ctx.subgraphs:
        enums = {t.name for t in subgraph.types.values() if t.kind == "ENUM"}
        for typedef in subgraph.types.values():
            for field in typedef.fields.values():
                position = "Input" if typedef.kind == "INPUT_OBJECT" else "Output"
                if field.type.named in enums:
                    usages.setdefault(field.type.named, set()).add(position)
                for arg in field.args.values():
                    if arg.type.named in enums:
                        usages.setdefault(arg.type.named, set()).add("Input")
    return usages


def merge_enum(
    ctx: MergeContext, dest: MergedType, types: list[TypeDef | None], usage: set[str]
) -> None:
    names = ctx.names
    if not usage:
        ctx.collector.hint(
            "UNUSED_ENUM_TYPE",
            f'Enum type "{dest.name}" is defined but unused. It will be included in the '
            "supergraph with all the values appearing in any subgraph (as if it was only "
            "used as an output type).",
            [names[i] for i, t in enumerate(types) if t is not None],
            [dest.name],
        )
        usage = {"Output"}
    value_names: list[str] = []
    for typedef in types:
        for value in typedef.values if typedef else ():
            if value not in value_names:
                value_names.append(value)
    defining = [i for i, t in enumerate(types) if t is not None]
    for value_name in value_names:
        coordinate = f"{dest.name}.{value_name}"
        present = [i for i in defining if value_name in types[i].values]  # type: ignore[union-attr]
        values = [types[i].values[value_name] for i in present]  # type: ignore[union-attr]
        merged = MergedEnumValue(
            value_name,
            merge_description(
                [v.description for v in values],
                [names[i] for i in present],
                coordinate,
                ctx.collector,
            ),
            merge_applied([v.applied for v in values], ctx.composed_directives),
            [ctx.graphs[i] for i in present],
        )
        missing = [i for i in defining if i not in present]
        if missing and not merged.applied.inaccessible and usage != {"Output"}:
            if "Output" in usage:
                ctx.collector.error(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{dest.name}" is used as both input type and output type, '
                    f'but value "{value_name}" is not defined in all the subgraphs defining '
                    f'"{dest.name}": "{value_name}" is defined in '
                    f"{subgraph_list([names[i] for i in present])} but not in "
                    f"{subgraph_list([names[i] for i in missing])}",
                    [names[i] for i in missing],
                    [coordinate],
                )
            else:
                ctx.collector.hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    f'Value "{value_name}" of enum type "{dest.name}" will not be part of the '
                    "supergraph as it is not defined in all the subgraphs defining "
                    f'"{dest.name}" (it is only used as an input)',
                    [names[i] for i in missing],
                    [coordinate],
                )
            continue
        if missing:
            ctx.collector.hint(
                "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM",
                f'Value "{value_name}" of enum type "{dest.name}" has been added to the '
                "supergraph but is only defined in a subset of the subgraphs defining "
                f'"{dest.name}"',
                [names[i] for i in missing],
                [coordinate],
            )
        dest.values[value_name] = merged
    if not dest.values:
        ctx.collector.error(
            "EMPTY_MERGED_ENUM_TYPE",
            f'None of the values of enum type "{dest.name}" are defined consistently in all '
            "the subgraphs defining that type. As only values common to all subgraphs are "
            "merged, this would result in an empty type.",
            [names[i] for i in defining],
            [dest.name],
        )
