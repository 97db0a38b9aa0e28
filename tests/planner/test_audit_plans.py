"""Every federation-audit operation plans, and every subgraph operation of every
plan validates against that subgraph's own schema (built from its SDL)."""

from __future__ import annotations

import json

import pytest
from graphql import parse, validate

from planner import OperationValidationError, PlanningError, QueryPlanner, Supergraph
from planner.plan import BatchFetch, Fetch
from tests.planner.subgraph_schemas import suite_subgraph_schemas
from tests.support import AUDIT_DIR, audit_suites, require_shared_data

SUITES = audit_suites()


def _cases() -> list[tuple[str, int]]:
    cases = []
    for suite in SUITES:
        tests = json.loads((AUDIT_DIR / suite / "tests.json").read_text())
        cases.extend((suite, index) for index in range(len(tests)))
    return cases


@pytest.fixture(scope="module")
def planners() -> dict[str, QueryPlanner]:
    return {}


def _planner(planners: dict[str, QueryPlanner], suite: str) -> QueryPlanner:
    if suite not in planners:
        sdl = (AUDIT_DIR / suite / "supergraph.graphql").read_text()
        planners[suite] = QueryPlanner(Supergraph.parse(sdl))
    return planners[suite]


def _check_fetch(fetch: Fetch | BatchFetch, suite: str) -> None:
    schema = suite_subgraph_schemas(AUDIT_DIR / suite)[fetch.service_name]
    errors = validate(schema, parse(fetch.operation))
    assert not errors, f"{fetch.service_name}: {fetch.operation}\n{errors}"


def test_suites_present() -> None:
    require_shared_data()
    assert len(SUITES) == 46


@pytest.mark.parametrize(("suite", "index"), _cases())
def test_audit_operation_plans_into_valid_subgraph_operations(
    planners: dict[str, QueryPlanner], suite: str, index: int
) -> None:
    case = json.loads((AUDIT_DIR / suite / "tests.json").read_text())[index]
    planner = _planner(planners, suite)
    expects_errors = bool(case["expected"].get("errors"))
    try:
        with_variables = planner.plan(case["query"], None, case.get("variables") or {})
    except (OperationValidationError, PlanningError) as exc:
        assert expects_errors, f"an audit operation that should succeed was rejected: {exc}"
        return
    without_variables = planner.plan(case["query"])
    for plan in (with_variables, without_variables):
        fetches = list(plan.fetches())
        assert fetches or "__typename" in case["query"]
        for fetch in fetches:
            _check_fetch(fetch, suite)
