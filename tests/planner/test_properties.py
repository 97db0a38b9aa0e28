"""Property tests: random valid operations over the audit and bench supergraphs
either plan into fetches that their subgraphs accept, or are refused with a
planner error carrying a code — never any other exception."""

from __future__ import annotations

import pytest
from graphql import parse, validate
from hypothesis import HealthCheck, given, settings

from planner import OperationValidationError, PlannerError, QueryPlanner, Supergraph
from tests.planner.random_operations import operations
from tests.planner.subgraph_schemas import suite_subgraph_schemas
from tests.support import AUDIT_DIR, BENCH_DIR, audit_suites

SUITES = audit_suites()
PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _check(planner: QueryPlanner, query: str, schemas: dict[str, object] | None) -> None:
    try:
        plan = planner.plan(query)
    except PlannerError as exc:
        assert exc.code in {"GRAPHQL_VALIDATION_FAILED", "QUERY_PLANNING_FAILED"}
        return
    for fetch in plan.fetches():
        if schemas is None:
            parse(fetch.operation)  # the bench has no subgraph SDLs: syntax only
            continue
        errors = validate(schemas[fetch.service_name], parse(fetch.operation))  # type: ignore[arg-type]
        assert not errors, f"{fetch.service_name}: {fetch.operation}: {errors}"


@pytest.mark.parametrize("suite", SUITES)
def test_random_operations_plan_into_valid_fetches(suite: str) -> None:
    supergraph = Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text())
    planner = QueryPlanner(supergraph)
    schemas = suite_subgraph_schemas(AUDIT_DIR / suite)

    @PROPERTY_SETTINGS
    @given(operations(supergraph.api_schema))
    def check(query: str) -> None:
        if validate(supergraph.api_schema, parse(query)):
            # The generator can build conflicting fields; those must be refused.
            with pytest.raises(OperationValidationError):
                planner.plan(query)
            return
        _check(planner, query, schemas)

    check()


def test_random_operations_over_the_bench_supergraph() -> None:
    if not (BENCH_DIR / "supergraph.graphql").exists():
        pytest.skip("shared bench data missing")
    supergraph = Supergraph.parse((BENCH_DIR / "supergraph.graphql").read_text())
    planner = QueryPlanner(supergraph)

    @settings(max_examples=60, deadline=None)
    @given(operations(supergraph.api_schema, depth=5))
    def check(query: str) -> None:
        _check(planner, query, None)

    check()
