"""Interface ``__typename`` rewrites added to plans that lack them."""

from __future__ import annotations

from planner import Supergraph
from planner.plan import (
    Fetch,
    FieldSelection,
    Flatten,
    InlineFragmentSelection,
    QueryPlan,
    ValueSetter,
)
from router.rewrites import interface_typename_rewrites
from tests.e2e.suites import audit_supergraph
from tests.support import require_shared_data


def _entity_fetch(service: str, condition: str) -> Fetch:
    requires = (InlineFragmentSelection(condition, (FieldSelection("__typename"),)),)
    return Fetch(service, "query{_entities}", requires=requires)


def test_interface_object_and_entity_interface_get_a_typename_rewrite() -> None:
    require_shared_data()
    supergraph = Supergraph.parse(audit_supergraph("interface-object-with-requires"))
    to_b = _entity_fetch("b", "NodeWithName")  # @interfaceObject in b
    to_a = _entity_fetch("a", "NodeWithName")  # interface with @key in a
    to_a_concrete = _entity_fetch("a", "User")
    plan = QueryPlan(Flatten(("x",), to_b))
    rewrites = interface_typename_rewrites(plan, supergraph)
    expected = (ValueSetter(("... on NodeWithName", "__typename"), "NodeWithName"),)
    assert rewrites == {id(to_b): expected}
    assert interface_typename_rewrites(QueryPlan(to_a), supergraph) == {id(to_a): expected}
    assert interface_typename_rewrites(QueryPlan(to_a_concrete), supergraph) == {}
