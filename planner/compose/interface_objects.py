"""``@interfaceObject`` and interface implementations in the supergraph.

Federation spec (v2.3+): a subgraph may declare an interface as an object type marked
``@interfaceObject``; its fields then belong to every implementation of the
interface. Composition adds such fields to the implementations that lack them with a
bare ``@join__field`` (no graph), telling the planner to fetch them through the
interface object. Afterwards every object must have the fields of the interfaces it
implements (``INTERFACE_FIELD_NO_IMPLEM``)."""

from __future__ import annotations

from .context import MergeContext
from .merge_fields import subgraph_list
from .merged import JoinField, MergedArgument, MergedField


def add_interface_object_fields(ctx: MergeContext) -> None:
    merged = ctx.merged
    for typedef in merged.types.values():
        if typedef.kind != "OBJECT":
            continue
        for iface_name in typedef.interfaces:
            iface = merged.types.get(iface_name)
            if iface is None:
                continue
            for field in iface.fields.values():
                if field.name in typedef.fields:
                    continue
                if not _provided_by_interface_object(ctx, iface_name, field.name):
                    continue
                typedef.fields[field.name] = MergedField(
                    field.name,
                    field.type,
                    {
                        a.name: MergedArgument(a.name, a.type, a.default)
                        for a in field.args.values()
                    },
                    joins=[JoinField(graph=None)],
                )


def _provided_by_interface_object(ctx: MergeContext, iface: str, field: str) -> bool:
    for i, subgraph in enumerate(ctx.subgraphs):
        typedef = subgraph.types.get(iface)
        if typedef is None or not typedef.interface_object or field not in typedef.fields:
            continue
        if not ctx.is_external(i, iface, field):
            return True
    return False


def validate_implementations(ctx: MergeContext) -> None:
    merged = ctx.merged
    for typedef in merged.types.values():
        if typedef.kind not in ("OBJECT", "INTERFACE"):
            continue
        for iface_name in typedef.interfaces:
            iface = merged.types.get(iface_name)
            if iface is None:
                continue
            for field in iface.fields.values():
                if field.name in typedef.fields:
                    continue
                declaring = [
                    s.name
                    for s in ctx.subgraphs
                    if iface_name in s.types and field.name in s.types[iface_name].fields
                ]
                implementing = [
                    s.name
                    for s in ctx.subgraphs
                    if typedef.name in s.types and iface_name in s.types[typedef.name].interfaces
                ]
                ctx.collector.error(
                    "INTERFACE_FIELD_NO_IMPLEM",
                    f'Interface field "{iface_name}.{field.name}" is declared in '
                    f'{subgraph_list(declaring)} but type "{typedef.name}", which implements '
                    f'"{iface_name}" only in {subgraph_list(implementing)} does not have '
                    f'field "{field.name}".',
                    declaring + implementing,
                    [f"{typedef.name}.{field.name}", f"{iface_name}.{field.name}"],
                )
