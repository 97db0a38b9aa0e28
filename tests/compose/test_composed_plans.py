"""Plans built from our composed supergraph equal the plans built from the audit's
supergraph, for every audit operation: composition output is not only textually
equivalent but means the same to the query planner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from planner import OperationValidationError, PlanningError, QueryPlanner, Supergraph
from planner.compose import Subgraph, compose
from tests.support import AUDIT_DIR, audit_suites, require_shared_data


def _plan_or_error(planner: QueryPlanner, case: dict[str, Any]) -> object:
    try:
        plan = planner.plan(case["query"], None, case.get("variables") or {})
    except (OperationValidationError, PlanningError) as exc:
        return ("error", type(exc).__name__, str(exc))
    return plan.to_json()


def _operations(suite: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((AUDIT_DIR / suite / "tests.json").read_text())
    return cases


def test_all_audit_operations_are_covered() -> None:
    require_shared_data()
    assert sum(len(_operations(s)) for s in audit_suites()) == 199


@pytest.mark.parametrize("suite", audit_suites())
def test_plans_from_composed_supergraph_equal_audit_plans(suite: str) -> None:
    raw = json.loads((AUDIT_DIR / suite / "subgraphs.json").read_text())
    result = compose([Subgraph(s["name"], s["url"], s["sdl"]) for s in raw])
    assert result.supergraph_sdl is not None, [str(e) for e in result.errors]
    ours = QueryPlanner(Supergraph.parse(result.supergraph_sdl))
    theirs = QueryPlanner(Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text()))
    for index, case in enumerate(_operations(suite)):
        assert _plan_or_error(ours, case) == _plan_or_error(theirs, case), f"operation {index}"
