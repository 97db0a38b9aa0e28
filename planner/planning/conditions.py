"""Branching on ``@skip``/``@include`` variables without repeating the plan.

Each value of a condition variable is planned on its own (the condition folded
into the operation); the two plans are then merged so that only what differs
sits under the ``Condition`` node: a common leading run of a ``Sequence`` is
kept once, and children two ``Parallel`` stages share run unconditionally.
"""

from __future__ import annotations

from planner.plan import Condition, Parallel, PlanNode, SequenceNode


def branch(
    condition: str, when_true: PlanNode | None, when_false: PlanNode | None
) -> PlanNode | None:
    """A node equivalent to ``Condition(condition, when_true, when_false)``, factored."""
    if when_true == when_false:
        return when_true
    if when_true is None or when_false is None:
        return Condition(condition, when_true, when_false)
    true_stages, false_stages = _stages(when_true), _stages(when_false)
    common = 0
    while (
        common < min(len(true_stages), len(false_stages))
        and true_stages[common] == false_stages[common]
    ):
        common += 1
    if common:
        rest = branch(condition, _sequence(true_stages[common:]), _sequence(false_stages[common:]))
        return _sequence([*true_stages[:common], *([rest] if rest is not None else [])])
    if len(true_stages) == 1 and len(false_stages) == 1:
        return _split_parallel(condition, true_stages[0], false_stages[0])
    return Condition(condition, when_true, when_false)


def _split_parallel(condition: str, when_true: PlanNode, when_false: PlanNode) -> PlanNode:
    true_children, false_children = _children(when_true), _children(when_false)
    shared = [c for c in true_children if c in false_children]
    if not shared:
        return Condition(condition, when_true, when_false)
    only_true = [c for c in true_children if c not in shared]
    only_false = [c for c in false_children if c not in shared]
    conditional = Condition(condition, _parallel(only_true), _parallel(only_false))
    return Parallel((*shared, conditional))


def _stages(node: PlanNode) -> list[PlanNode]:
    return list(node.nodes) if isinstance(node, SequenceNode) else [node]


def _children(node: PlanNode) -> list[PlanNode]:
    return list(node.nodes) if isinstance(node, Parallel) else [node]


def _sequence(nodes: list[PlanNode]) -> PlanNode | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else SequenceNode(tuple(nodes))


def _parallel(nodes: list[PlanNode]) -> PlanNode | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes))
