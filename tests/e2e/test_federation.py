"""Federation features end to end: test subgraphs -> real router -> HTTP.

Every audit operation of the suites we have data for (tests/e2e/suites.py) is
sent through the router and compared with the audit's expected result, plus
our own operations for aliases, fragments, variables, ``__typename`` and
request de-duplication.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import Gateway
from tests.e2e.suites import SUITES, audit_tests
from tests.support import AUDIT_DIR


def _cases() -> list[tuple[str, int]]:
    if not AUDIT_DIR.is_dir():
        return []
    return [(suite, i) for suite in SUITES for i in range(len(audit_tests(suite)))]


@pytest.fixture(scope="module")
def gateways(gateway_factory: Callable[..., Gateway]) -> dict[str, Gateway]:
    return {}


def _gateway(gateways: dict[str, Gateway], factory: Callable[..., Gateway], suite: str) -> Gateway:
    if suite not in gateways:
        gateways[suite] = factory(suite)
    return gateways[suite]


KNOWN_PLANNER_GAPS: set[tuple[str, int]] = set()
"""Audit cases our planner cannot plan correctly yet (xfail, not strict)."""


def _marked_cases() -> list[Any]:
    return [
        pytest.param(
            suite,
            index,
            marks=pytest.mark.xfail(reason="planner gap, see KNOWN_PLANNER_GAPS", strict=False),
        )
        if (suite, index) in KNOWN_PLANNER_GAPS
        else (suite, index)
        for suite, index in _cases()
    ]


@pytest.mark.parametrize(("suite", "index"), _marked_cases())
def test_audit_operation(
    gateways: dict[str, Gateway], gateway_factory: Callable[..., Gateway], suite: str, index: int
) -> None:
    case = audit_tests(suite)[index]
    gateway = _gateway(gateways, gateway_factory, suite)
    response = gateway.post({"query": case["query"], "variables": case.get("variables")})
    got = response.json()
    expected = case["expected"]
    # Requests refused before execution (invalid, or not plannable) are 400s
    # without data.
    if "data" in got:
        assert response.status_code == 200, got
    else:
        assert response.status_code == 400, got
    # Compared the way the audit compares: errors only when the case says.
    if isinstance(expected.get("errors"), bool):
        assert bool(got.get("errors")) == expected["errors"], got
    assert got.get("data") == expected.get("data")


@pytest.fixture(scope="module")
def srp(gateways: dict[str, Gateway], gateway_factory: Callable[..., Gateway]) -> Gateway:
    return _gateway(gateways, gateway_factory, "simple-requires-provides")


def test_aliases_fragments_and_typename(srp: Gateway) -> None:
    query = """
      query Shop {
        __typename
        items: products {
          __typename
          code: upc
          ...Shipping
          ... on Product { label: name }
        }
      }
      fragment Shipping on Product { estimate: shippingEstimate }
    """
    got = srp.query(query)
    assert got == {
        "data": {
            "__typename": "Query",
            "items": [
                {"__typename": "Product", "code": "p1", "estimate": 110, "label": "p-name-1"},
                {"__typename": "Product", "code": "p2", "estimate": 440, "label": "p-name-2"},
            ],
        }
    }


def test_provides_skips_the_owning_subgraph(srp: Gateway) -> None:
    before = len(srp.subgraphs.requests("accounts"))
    got = srp.query("{ me { reviews { author { username } } } }")
    author = {"username": "u-username-1"}
    assert got["data"]["me"]["reviews"] == [{"author": author}, {"author": author}]
    # `me` is fetched from accounts once; the @provides'd username needs no second trip.
    assert len(srp.subgraphs.requests("accounts")) - before == 1


def test_entity_representations_are_deduplicated(srp: Gateway) -> None:
    before = len(srp.subgraphs.requests("accounts"))
    got = srp.query("{ products { reviews { author { name } } } }")
    names = [r["author"]["name"] for p in got["data"]["products"] for r in p["reviews"]]
    assert names == ["u-name-1", "u-name-1"]
    new = srp.subgraphs.requests("accounts")[before:]
    assert len(new) == 1
    assert new[0]["variables"]["representations"] == [{"__typename": "User", "id": "u1"}]


def test_skip_and_include_with_variables(srp: Gateway) -> None:
    query = """
      query($withName: Boolean!, $noPrice: Boolean!) {
        products { upc name @include(if: $withName) price @skip(if: $noPrice) }
      }
    """
    got = srp.query(query, {"withName": False, "noPrice": True})
    assert got["data"]["products"] == [{"upc": "p1"}, {"upc": "p2"}]
    got = srp.query(query, {"withName": True, "noPrice": False})
    assert got["data"]["products"][0] == {"upc": "p1", "name": "p-name-1", "price": 11}


def test_operation_name_selects_the_operation(srp: Gateway) -> None:
    document = "query A { me { id } } query B { products { upc } }"
    got = srp.query(document, operationName="B")
    assert got == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}


def test_mutations_run_in_order(gateways: dict[str, Gateway], gateway_factory: Any) -> None:
    gateway = _gateway(gateways, gateway_factory, "mutations")
    query = """
      mutation {
        first: add(num: 3, requestId: "order-test")
        second: multiply(by: 4, requestId: "order-test")
        third: add(num: 1, requestId: "order-test")
        last: delete(requestId: "order-test")
      }
    """
    got = gateway.query(query)
    assert got == {"data": {"first": 3, "second": 12, "third": 13, "last": 13}}


def test_a_root_field_no_subgraph_can_answer_keeps_the_others_data(
    gateways: dict[str, Gateway], gateway_factory: Any
) -> None:
    """`a` returns Node, which subgraph a has no object type for (only @interfaceObjects
    implement it elsewhere): its fetch is planned and a's error comes back on `a`, while
    `b` keeps its data. `field` has no path at all (b's Node key is not resolvable), so
    alone `a { field }` is refused (the audit's case 1: data null)."""
    gateway = _gateway(gateways, gateway_factory, "non-resolvable-interface-object")
    response = gateway.post({"query": "{ a { field } b { id field } }"})
    got = response.json()
    assert response.status_code == 200, got
    assert got["data"] == {"a": None, "b": {"id": "n1", "field": "foo"}}
    assert [e.get("path") for e in got["errors"]] == [["a"]], got
    assert {e["extensions"].get("serviceName") for e in got["errors"]} == {"a"}, got
    assert {e["extensions"]["code"] for e in got["errors"]} == {"DOWNSTREAM_SERVICE_ERROR"}, got
    alone = gateway.post({"query": "{ a { field } }"})
    assert alone.status_code == 400
    assert alone.json()["errors"][0]["extensions"]["code"] == "QUERY_PLANNING_FAILED"
