"""Turn fetch groups into plan nodes.

Groups are ordered by dependency level: everything a group reads was written
by groups of lower levels. Within a level, groups to the same subgraph at the
same path are merged into one fetch, and (with batching on) groups to the same
subgraph at different paths become one ``BatchFetch`` — one round trip instead
of several, which is where Hive's planner saves most of its fetches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, cast

from planner.plan import (
    BatchFetch,
    EntityBatch,
    Fetch,
    FieldSelection,
    Flatten,
    InlineFragmentSelection,
    Parallel,
    PlanNode,
    Selection,
    SequenceNode,
    ValueSetter,
)
from planner.planning.groups import FetchGroup, RepresentationFields

OperationKind = Literal["query", "mutation", "subscription"]


class Assembler:
    """Renders groups into `PlanNode`s for one operation."""

    def __init__(
        self, variable_definitions: Mapping[str, str], operation_name: str | None, batch: bool
    ) -> None:
        self.variable_definitions = variable_definitions
        self.operation_name = operation_name
        self.batch = batch
        self._fetch_index = 0

    def assemble(self, groups: list[FetchGroup]) -> PlanNode | None:
        live = [g for g in groups if not g.selection_set.is_empty()]
        live_ids = {g.id for g in live}
        levels: dict[int, int] = {}

        def level(group: FetchGroup) -> int:
            found = levels.get(group.id)
            if found is not None:
                return found
            levels[group.id] = 0
            dependencies = [d for d in group.dependencies if d.id in live_ids and d is not group]
            value = 1 + max((level(d) for d in dependencies), default=-1)
            levels[group.id] = value
            return value

        by_level: dict[int, list[FetchGroup]] = {}
        for group in live:
            by_level.setdefault(level(group), []).append(group)
        stages: list[PlanNode] = []
        for index in sorted(by_level):
            nodes = self._stage(by_level[index])
            if nodes:
                stages.append(nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes)))
        if not stages:
            return None
        return stages[0] if len(stages) == 1 else SequenceNode(tuple(stages))

    def _stage(self, groups: list[FetchGroup]) -> list[PlanNode]:
        merged: list[FetchGroup] = []
        alike: dict[tuple[str, tuple[str, ...], str | None], list[FetchGroup]] = {}
        for group in groups:
            same_place = alike.setdefault((group.graph, group.path, group.root_kind), [])
            target = next(
                (
                    m
                    for m in same_place
                    if not m.representation.conflicts_with(group.representation)
                ),
                None,
            )
            if target is None:
                merged.append(group)
                same_place.append(group)
            else:
                target.selection_set.merge(group.selection_set)
                target.output_rewrites.extend(group.output_rewrites)
                target.representation.merge(group.representation)
        nodes: list[PlanNode] = []
        if not self.batch:
            return [self._node(g) for g in merged]
        by_graph: dict[str, list[FetchGroup]] = {}
        for group in merged:
            by_graph.setdefault(group.graph, []).append(group)
        for graph, graph_groups in by_graph.items():
            entity = [g for g in graph_groups if g.is_entity and not g.output_rewrites]
            others = [g for g in graph_groups if g not in entity]
            nodes.extend(self._node(g) for g in others)
            if len(entity) > 1:
                nodes.append(self._batch(graph, entity))
            elif entity:
                nodes.append(self._node(entity[0]))
        return nodes

    def _name(self, graph: str) -> str | None:
        if not self.operation_name:
            return None
        name = f"{self.operation_name}__{_safe(graph)}__{self._fetch_index}"
        self._fetch_index += 1
        return name

    def _header(self, kind: str, name: str | None, variables: list[str]) -> str:
        defs = ",".join(
            self.variable_definitions[v] for v in variables if v in self.variable_definitions
        )
        head = kind
        if name:
            head += f" {name}"
        if defs:
            head += f"({defs})"
        return head

    def _node(self, group: FetchGroup) -> PlanNode:
        variables = _unique(group.selection_set.variables())
        name = self._name(group.graph)
        if not group.is_entity:
            kind = cast(OperationKind, group.root_kind or "query")
            body = group.selection_set.render()
            header = self._header(kind, name, variables)
            operation = body if header == "query" else header + body
            return Fetch(
                service_name=group.graph,
                operation=operation,
                operation_kind=kind,
                variable_usages=tuple(variables),
                operation_name=name,
                output_rewrites=tuple(group.output_rewrites),
            )
        defs = ",".join(
            ["$representations:[_Any!]!"]
            + [self.variable_definitions[v] for v in variables if v in self.variable_definitions]
        )
        head = "query" + (f" {name}" if name else "") + f"({defs})"
        operation = (
            head
            + "{_entities(representations:$representations)"
            + group.selection_set.render()
            + "}"
        )
        requires, rewrites = _requires(group)
        fetch = Fetch(
            service_name=group.graph,
            operation=operation,
            operation_kind="query",
            variable_usages=tuple(variables),
            requires=requires,
            operation_name=name,
            input_rewrites=rewrites,
            output_rewrites=tuple(group.output_rewrites),
        )
        return Flatten(group.path, fetch)

    def _batch(self, graph: str, groups: list[FetchGroup]) -> PlanNode:
        variables: list[str] = []
        bodies: list[str] = []
        batches: list[EntityBatch] = []
        for index, group in enumerate(groups):
            variables.extend(group.selection_set.variables())
            bodies.append(
                f"_e{index}:_entities(representations:$r{index})" + group.selection_set.render()
            )
            requires, rewrites = _requires(group)
            batches.append(EntityBatch(group.path, requires, rewrites))
        unique = _unique(iter(variables))
        name = self._name(graph)
        defs = ",".join(
            [f"$r{i}:[_Any!]!" for i in range(len(groups))]
            + [self.variable_definitions[v] for v in unique if v in self.variable_definitions]
        )
        head = "query" + (f" {name}" if name else "") + f"({defs})"
        return BatchFetch(
            service_name=graph,
            operation=head + "{" + " ".join(bodies) + "}",
            batches=tuple(batches),
            variable_usages=tuple(unique),
            operation_name=name,
        )


def _requires(group: FetchGroup) -> tuple[tuple[Selection, ...], tuple[ValueSetter, ...]]:
    selections: list[Selection] = []
    rewrites: list[ValueSetter] = []
    for condition, fields in group.representation.by_type.items():
        selections.append(InlineFragmentSelection(condition, _rep_selections(fields)))
        rename = group.representation.rewrites.get(condition)
        if rename is not None:
            rewrites.append(ValueSetter((f"... on {condition}", "__typename"), rename))
    return tuple(selections), tuple(rewrites)


def _rep_selections(fields: RepresentationFields) -> tuple[Selection, ...]:
    out: list[Selection] = []
    for name, (source, nested) in fields.fields.items():
        alias = source if source != name else None
        out.append(
            FieldSelection(name, alias, _rep_selections(nested) if nested is not None else None)
        )
    for condition, fragment in fields.fragments.items():
        out.append(InlineFragmentSelection(condition, _rep_selections(fragment)))
    return tuple(out)


def _unique(values: object) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:  # type: ignore[attr-defined]
        seen.setdefault(value, None)
    return list(seen)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)
