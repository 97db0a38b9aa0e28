"""Build ``planner.plan`` nodes from Apollo-shaped plan JSON (``QueryPlan.to_json``
output, or the reference plans in shared/plans), so the executor can be tested
on plans that do not come from our planner."""

from __future__ import annotations

from typing import Any

from planner.plan import (
    BatchFetch,
    Condition,
    EntityBatch,
    Fetch,
    FieldSelection,
    Flatten,
    InlineFragmentSelection,
    KeyRenamer,
    Parallel,
    PlanNode,
    QueryPlan,
    Rewrite,
    Selection,
    SequenceNode,
    ValueSetter,
)


def plan_from_json(data: dict[str, Any]) -> QueryPlan:
    node = data.get("node")
    return QueryPlan(node_from_json(node) if node else None)


def node_from_json(data: dict[str, Any]) -> PlanNode:
    kind = data["kind"]
    if kind == "Fetch":
        return Fetch(
            service_name=data["serviceName"],
            operation=data["operation"],
            operation_kind=data.get("operationKind", "query"),
            variable_usages=tuple(data.get("variableUsages", ())),
            requires=_selections(data["requires"]) if "requires" in data else None,
            operation_name=data.get("operationName"),
            input_rewrites=_rewrites(data.get("inputRewrites")),
            output_rewrites=_rewrites(data.get("outputRewrites")),
        )
    if kind == "Flatten":
        inner = node_from_json(data["node"])
        assert isinstance(inner, Fetch)
        return Flatten(tuple(data["path"]), inner)
    if kind == "Sequence":
        return SequenceNode(tuple(node_from_json(n) for n in data["nodes"]))
    if kind == "Parallel":
        return Parallel(tuple(node_from_json(n) for n in data["nodes"]))
    if kind == "Condition":
        return Condition(
            data["condition"],
            node_from_json(data["ifClause"]) if data.get("ifClause") else None,
            node_from_json(data["elseClause"]) if data.get("elseClause") else None,
        )
    if kind == "BatchFetch":
        return BatchFetch(
            service_name=data["serviceName"],
            operation=data["operation"],
            batches=tuple(
                EntityBatch(
                    tuple(b["path"]),
                    _selections(b["requires"]),
                    _rewrites(b.get("inputRewrites")),
                )
                for b in data["entityBatches"]
            ),
            variable_usages=tuple(data.get("variableUsages", ())),
        )
    raise ValueError(f"unsupported plan node kind {kind!r}")


def _selections(items: list[dict[str, Any]]) -> tuple[Selection, ...]:
    out: list[Selection] = []
    for item in items:
        if item["kind"] == "Field":
            subs = item.get("selections")
            out.append(
                FieldSelection(item["name"], item.get("alias"), _selections(subs) if subs else None)
            )
        else:
            out.append(
                InlineFragmentSelection(item.get("typeCondition"), _selections(item["selections"]))
            )
    return tuple(out)


def _rewrites(items: list[dict[str, Any]] | None) -> tuple[Rewrite, ...]:
    out: list[Rewrite] = []
    for item in items or ():
        if item["kind"] == "ValueSetter":
            out.append(ValueSetter(tuple(item["path"]), item["setValueTo"]))
        else:
            out.append(KeyRenamer(tuple(item["path"]), item["renameKeyTo"]))
    return tuple(out)
