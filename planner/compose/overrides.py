"""``@override(from:, label:)``: moving a field's resolution from one subgraph to another.

Federation spec rules: the overriding subgraph resolves the field; the "from" subgraph
stops resolving it. If the from subgraph still *uses* the field (in a ``@key``,
``@requires``, ``@provides`` or to implement an interface field) it stays in the
supergraph as ``usedOverridden``, otherwise it is dropped. An unknown from subgraph or
an ``@external`` from field only yield hints; ``@override`` from the own subgraph, on a
field also overridden in the from subgraph, or together with ``@external`` are errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from .context import MergeContext
from .subgraph import Field


@dataclass
class FieldMergeContext:
    """How each subgraph's copy of one field takes part in the merge."""

    used_overridden: set[int] = field(default_factory=set)
    unused_overridden: set[int] = field(default_factory=set)
    labels: dict[int, str] = field(default_factory=dict)

    def any_override_effect(self) -> bool:
        return bool(self.used_overridden) or bool(self.labels)


def resolve_overrides(
    ctx: MergeContext, coordinate: str, sources: list[Field | None], parent: str
) -> FieldMergeContext:
    result = FieldMergeContext()
    names = ctx.names
    overriding = {i for i, s in enumerate(sources) if s is not None and s.override_from}
    for idx in sorted(overriding):
        source = sources[idx]
        assert source is not None and source.override_from is not None
        name = names[idx]
        from_name = source.override_from
        if from_name not in names:
            ctx.collector.hint(
                "FROM_SUBGRAPH_DOES_NOT_EXIST",
                f'Source subgraph "{from_name}" for field "{coordinate}" on subgraph '
                f'"{name}" does not exist.',
                [name],
                [coordinate],
            )
            continue
        if from_name == name:
            continue  # OVERRIDE_FROM_SELF_ERROR is reported by the subgraph validation
        from_idx = names.index(from_name)
        if from_idx in overriding:
            ctx.collector.error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                f'Field "{coordinate}" on subgraph "{name}" is also marked with directive '
                f'@override in subgraph "{from_name}". Only one @override directive is '
                "allowed per field.",
                [name, from_name],
                [coordinate],
            )
            continue
        if ctx.is_external(idx, parent, source.name):
            ctx.collector.error(
                "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                f'@override cannot be used on field "{coordinate}" on subgraph "{name}" '
                "since it is marked with directive @external",
                [name],
                [coordinate],
            )
            continue
        from_field = sources[from_idx]
        if from_field is None:
            ctx.collector.hint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{name}" no longer exists in the from '
                "subgraph. The @override directive can be removed.",
                [name],
                [coordinate],
            )
            continue
        if ctx.is_external(from_idx, parent, from_field.name):
            ctx.collector.hint(
                "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{name}" is not resolved anymore by the '
                f'from subgraph (it is marked "@external" in "{from_name}"). The @override '
                "directive can be removed.",
                [name],
                [coordinate],
            )
            continue
        if ctx.metadata[from_idx].is_used(parent, from_field.name):
            result.used_overridden.add(from_idx)
            ctx.collector.hint(
                "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{from_name}" is overridden. It is still '
                "used in some federation directive(s) (@key, @requires, and/or @provides) "
                "and/or to satisfy interface constraint(s), but consider marking it "
                "@external explicitly or removing it along with its references.",
                [from_name],
                [coordinate],
            )
        else:
            result.unused_overridden.add(from_idx)
            ctx.collector.hint(
                "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                f'Field "{coordinate}" on subgraph "{from_name}" is overridden. Consider '
                "removing it.",
                [from_name],
                [coordinate],
            )
        if source.override_label:
            result.labels[idx] = source.override_label
            result.labels[from_idx] = source.override_label
    return result
