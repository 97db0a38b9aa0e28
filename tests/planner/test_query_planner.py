"""The planner's public behaviour: plan shapes, caching, conditions, validation,
fetch counts against Apollo's planner, and no imports beyond graphql-core."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from planner import (
    BatchFetch,
    Condition,
    Fetch,
    Flatten,
    OperationValidationError,
    PlanCache,
    PlannerError,
    PlanningError,
    PlanningTimeout,
    QueryPlanner,
    SequenceNode,
    Supergraph,
    ValueSetter,
)
from tests.support import AUDIT_DIR, BENCH_DIR, REPO_ROOT, SHARED_DIR, require_shared_data


def _planner(suite: str, batch: bool = True) -> QueryPlanner:
    require_shared_data()
    return QueryPlanner(
        Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text()), batch=batch
    )


def test_entity_jump_carries_keys_and_requires() -> None:
    planner = _planner("simple-requires-provides")
    plan = planner.plan("{ products { upc shippingEstimate } }")
    entity = [f for f in plan.fetches() if isinstance(f, Fetch) and f.requires]
    assert entity, plan.to_json()
    requires = json.dumps([s.to_json() for s in entity[-1].requires or ()])
    assert "upc" in requires and "price" in requires and "weight" in requires
    assert "_entities(representations:$representations)" in entity[-1].operation


def test_json_shape_matches_apollo() -> None:
    plan = _planner("simple-entity-call", batch=False).plan("{ user { id email nickname } }")
    out = plan.to_json()
    assert out["kind"] == "QueryPlan"
    node = out["node"]
    assert node["kind"] == "Sequence"
    first, second = node["nodes"]
    assert first["kind"] == "Fetch" and first["operationKind"] == "query"
    assert second["kind"] == "Flatten" and second["path"] == ["user"]
    assert second["node"]["requires"][0]["kind"] == "InlineFragment"


def test_mutations_run_in_order() -> None:
    planner = _planner("mutations")
    query = (AUDIT_DIR / "mutations" / "tests.json").read_text()
    case = json.loads(query)[2]
    plan = planner.plan(case["query"])
    assert plan.to_json()["node"]["kind"] == "Sequence"
    assert next(f.operation_kind for f in plan.fetches()) == "mutation"


def test_skip_include_without_variables_gives_condition_nodes() -> None:
    planner = _planner("include-skip")
    case = json.loads((AUDIT_DIR / "include-skip" / "tests.json").read_text())[0]
    unspecialised = planner.plan(case["query"])
    conditions = [n for n in [unspecialised.node] if isinstance(n, Condition)]
    assert conditions, unspecialised.to_json()
    specialised = planner.plan(case["query"], None, case.get("variables") or {})
    assert not isinstance(specialised.node, Condition)


def test_condition_branches_share_what_they_have_in_common() -> None:
    planner = _planner("abstract-types")
    case = json.loads((AUDIT_DIR / "abstract-types" / "tests.json").read_text())[7]
    assert "@include(if: $title)" in case["query"]
    plan = planner.plan(case["query"])
    node = plan.node
    assert isinstance(node, SequenceNode) and not isinstance(node.nodes[0], Condition)
    assert any(isinstance(n, Condition) for n in node.nodes)
    with_title = planner.plan(case["query"], None, {"title": True}).fetch_count
    without = planner.plan(case["query"], None, {"title": False}).fetch_count
    assert plan.fetch_count == max(with_title, without)
    assert plan.fetch_nodes > plan.fetch_count


def test_plans_are_cached_by_operation_and_conditions() -> None:
    planner = _planner("simple-entity-call")
    first = planner.plan("{ user { id email nickname } }")
    second = planner.plan("{ user { id email nickname } }")
    assert first is second
    assert planner.plan_cache.hits >= 1


def test_plan_cache_is_bounded() -> None:
    cache = PlanCache(max_size=2)
    for key in range(5):
        cache.put(key, key)
    assert len(cache) == 2 and cache.get(0) is None and cache.get(4) == 4


@pytest.mark.parametrize(
    "query",
    ["{ nope }", "{ user { id ", "query A { user { id } } query A { user { id } }", "{ user }"],
)
def test_invalid_operations_are_refused_with_validation_errors(query: str) -> None:
    with pytest.raises(OperationValidationError) as caught:
        _planner("simple-entity-call").plan(query)
    assert caught.value.code == "GRAPHQL_VALIDATION_FAILED"
    assert caught.value.errors


def test_unknown_operation_name_is_a_validation_error() -> None:
    with pytest.raises(OperationValidationError):
        _planner("simple-entity-call").plan("query A { user { id } }", "B")


def test_never_more_fetches_than_apollo_per_audit_operation() -> None:
    require_shared_data()
    reference = json.loads((SHARED_DIR / "plans" / "apollo-plans.json").read_text())
    ours_total = apollo_total = 0
    for suite, entries in reference.items():
        if suite.startswith("_"):
            continue
        planner = _planner(suite)
        tests = json.loads((AUDIT_DIR / suite / "tests.json").read_text())
        for case, entry in zip(tests, entries, strict=True):
            if "fetches" not in entry:
                continue
            try:
                plan = planner.plan(case["query"], None, case.get("variables") or {})
            except PlannerError:
                assert case["expected"].get("errors"), (suite, case["query"])
                continue
            ours_total += plan.fetch_count
            apollo_total += entry["fetches"]
            assert plan.fetch_count <= entry["fetches"], (suite, case["query"])
            # Without variables the plan branches on @skip/@include: still no more
            # round trips on any branch.
            assert planner.plan(case["query"]).fetch_count <= entry["fetches"]
    assert ours_total < apollo_total


def test_bench_operation_batches_entity_fetches() -> None:
    require_shared_data()
    planner = QueryPlanner(Supergraph.parse((BENCH_DIR / "supergraph.graphql").read_text()))
    plan = planner.plan((BENCH_DIR / "query.graphql").read_text())
    assert any(isinstance(f, BatchFetch) for f in plan.fetches())
    assert plan.fetch_count <= 7
    flat = QueryPlanner(planner.supergraph, batch=False).plan(
        (BENCH_DIR / "query.graphql").read_text()
    )
    assert all(isinstance(f, Fetch) for f in flat.fetches())
    assert flat.fetch_count <= 16
    assert any(isinstance(n, Flatten) for n in flat.node.nodes[1].nodes)  # type: ignore[union-attr]


def test_planner_imports_only_stdlib_and_graphql_core() -> None:
    code = (
        "import sys, pkgutil, importlib, planner\n"
        "for m in pkgutil.walk_packages(planner.__path__, 'planner.'):\n"
        "    importlib.import_module(m.name) if not m.name.endswith('__main__') else None\n"
        "third = sorted({n.split('.')[0] for n in sys.modules} - set(sys.stdlib_module_names)"
        " - {'planner', 'graphql', 'typing_extensions'})\n"
        "print(','.join(n for n in third if not n.startswith('_')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_cli_prints_the_bench_plan() -> None:
    require_shared_data()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "plan",
            "--supergraph",
            str(BENCH_DIR / "supergraph.graphql"),
            str(BENCH_DIR / "query.graphql"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    plan = json.loads(out.stdout)
    assert plan["kind"] == "QueryPlan" and plan["node"]["kind"] == "Sequence"


def test_cli_reads_stdin_and_reports_validation_errors() -> None:
    require_shared_data()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "plan",
            "--supergraph",
            str(BENCH_DIR / "supergraph.graphql"),
            "-",
        ],
        input="{ nope }",
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "GRAPHQL_VALIDATION_FAILED" in result.stderr
    assert "Traceback" not in result.stderr


def test_deeply_nested_operation_plans() -> None:
    """Nesting is limited by the router's depth limit (100), not by the planner."""
    require_shared_data()
    planner = QueryPlanner(Supergraph.parse((BENCH_DIR / "supergraph.graphql").read_text()))
    levels = ["reviews { product { ", "reviews { author { "]
    body = "".join(levels[i % 2] for i in range(49))
    query = "{ users { " + body + "__typename " + "} } " * 49 + "} }"
    plan = planner.plan(query)
    assert [f.service_name for f in plan.fetches()] == ["accounts", "reviews"]


def test_entities_known_through_an_interface_get_the_interface_as_typename() -> None:
    """A subgraph that knows an entity only through an interface (``@interfaceObject``
    in b, an interface with ``@key`` in a) is sent the interface's name as __typename;
    concrete type conditions are sent as they are."""
    planner = _planner("interface-object-with-requires")
    plan = planner.plan("{ anotherUsers { id name username } users { id username } }")
    by_condition: dict[tuple[str, str], tuple[object, ...]] = {}
    for fetch in plan.fetches():
        batches = fetch.batches if isinstance(fetch, BatchFetch) else [fetch]
        for batch in batches:
            for selection in batch.requires or ():
                key = (fetch.service_name, selection.type_condition)  # type: ignore[union-attr]
                by_condition[key] = batch.input_rewrites
    expected = (ValueSetter(("... on NodeWithName", "__typename"), "NodeWithName"),)
    assert by_condition[("b", "NodeWithName")] == expected
    assert by_condition[("a", "NodeWithName")] == expected
    assert all(rewrites == () for (_, cond), rewrites in by_condition.items() if cond == "User")


def _exponential_fragments(levels: int) -> str:
    """A valid operation whose fragments expand to 2**levels selections."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ __typename ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return "{ ...F0 } " + fragments + f" fragment F{levels} on Query {{ __typename }}"


def test_planning_stops_at_the_time_budget() -> None:
    require_shared_data()
    supergraph = Supergraph.parse((BENCH_DIR / "supergraph.graphql").read_text())
    planner = QueryPlanner(supergraph, time_budget=0.05)
    prepared = planner.prepare(_exponential_fragments(24))
    started = time.perf_counter()
    with pytest.raises(PlanningTimeout) as raised:
        planner.plan_prepared(prepared, {})
    assert time.perf_counter() - started < 1.0
    assert raised.value.code == "QUERY_PLANNING_FAILED"
    assert isinstance(raised.value, PlanningError)
    # The budget is per plan: small operations still plan within it.
    assert planner.plan("{ me { id } }").fetch_count == 1


def test_sequence_node_keeps_its_json_kind_and_the_deprecated_alias() -> None:
    import planner

    node = SequenceNode((Fetch("a", "{a}"), Fetch("b", "{b}")))
    assert node.to_json()["kind"] == "Sequence"
    assert planner.Sequence is SequenceNode


def _no_implementation_supergraph(b_key_resolvable: bool) -> Supergraph:
    """The audit's non-resolvable-interface-object supergraph: `Query.a` (subgraph a)
    returns Node, for which a has no object type; Node.field is only in b, an
    @interfaceObject whose key is resolvable only when `b_key_resolvable`."""
    require_shared_data()
    sdl = (AUDIT_DIR / "non-resolvable-interface-object" / "supergraph.graphql").read_text()
    marker = '@join__type(graph: B, key: "id", resolvable: false, isInterfaceObject: true)'
    assert marker in sdl
    if b_key_resolvable:
        sdl = sdl.replace(marker, '@join__type(graph: B, key: "id", isInterfaceObject: true)')
    return Supergraph.parse(sdl)


def test_a_root_field_without_implementations_is_fetched_for_its_error() -> None:
    planner = QueryPlanner(_no_implementation_supergraph(b_key_resolvable=False))
    # What subgraph a can answer in place is fetched; a's error will null `a`.
    alone = planner.plan("{ a { id } }").to_json()
    assert alone["node"]["operation"] == "{a{__typename id}}"
    # A field no subgraph can reach is left out while another root field has data...
    both = planner.plan("{ a { id field } b { id } }")
    assert sorted(f.operation for f in both.fetches()) == ["{a{__typename id}}", "{b{id}}"]
    # ...and refuses the operation when nothing else is left (the audit's case 1).
    with pytest.raises(PlanningError, match=r"Node\.field"):
        planner.plan("{ a { field } }")


def test_a_root_field_without_implementations_alone_is_fetched_when_reachable() -> None:
    """Were Node's key resolvable in b, `field` has a path (a jump to b), so `{ a { field } }`
    is no longer refused: a's fetch is planned and its error comes back on `a`."""
    planner = QueryPlanner(_no_implementation_supergraph(b_key_resolvable=True))
    plan = planner.plan("{ a { field } }")
    assert [f.service_name for f in plan.fetches()] == ["a"]
