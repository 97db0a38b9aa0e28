"""The 46 federation-audit supergraphs checked against themselves: composing each
suite's own subgraphs again, or the subgraphs recovered from the supergraph's join
metadata (what ``planner check --subgraph`` does), gives 0 changes, and none of the
suite's operations breaks."""

from __future__ import annotations

import json

import pytest

from planner import Supergraph
from planner.checks import Operation, check_subgraphs, diff_supergraphs, extract_subgraphs
from planner.compose import Subgraph
from tests.support import AUDIT_DIR, audit_suites, require_shared_data


def test_all_suites_present() -> None:
    require_shared_data()
    assert len(audit_suites()) == 46


def _supergraph(suite: str) -> Supergraph:
    return Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text())


def _operations(suite: str) -> list[Operation]:
    cases = json.loads((AUDIT_DIR / suite / "tests.json").read_text())
    return [Operation(c["query"], source=f"{suite}#{i}") for i, c in enumerate(cases)]


@pytest.mark.parametrize("suite", audit_suites())
def test_suite_checked_against_itself_has_no_changes(suite: str) -> None:
    current = _supergraph(suite)
    assert diff_supergraphs(current, current) == []
    raw = json.loads((AUDIT_DIR / suite / "subgraphs.json").read_text())
    own = [Subgraph(s["name"], s["url"], s["sdl"]) for s in raw]
    report = check_subgraphs(current, own, _operations(suite))
    assert report.composed, report.composition_errors
    assert report.changes == ()
    assert report.operations is not None
    assert report.operations.broken == ()
    assert report.operations.checked > 0
    assert report.passed


@pytest.mark.parametrize("suite", audit_suites())
def test_recovered_subgraphs_compose_back_to_the_same_graph(suite: str) -> None:
    current = _supergraph(suite)
    recovered = extract_subgraphs(current)
    assert sorted(s.name for s in recovered) == sorted(current.subgraphs)
    report = check_subgraphs(current, recovered)
    assert report.composed, report.composition_errors
    assert report.changes == ()
