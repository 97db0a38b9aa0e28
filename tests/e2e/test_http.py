"""HTTP conventions and bad input through the real router (never a 500)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.conftest import Gateway

PREFLIGHT = {"apollo-require-preflight": "true"}
"""GET requests are "simple" for a browser: they need a CSRF preflight header."""


@pytest.fixture(scope="module")
def gw(gateway_factory: Callable[..., Gateway]) -> Gateway:
    return gateway_factory("simple-requires-provides")


def _code(response_json: dict[str, object]) -> object:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return errors[0]["extensions"]["code"]


def test_malformed_json(gw: Gateway) -> None:
    response = gw.http.post(
        "/graphql", content=b'{"query": "{ me { id }"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _code(response.json()) == "INVALID_JSON"


def test_body_that_is_not_an_object(gw: Gateway) -> None:
    response = gw.post([1, 2])
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_REQUEST"


def test_missing_query(gw: Gateway) -> None:
    response = gw.post({"variables": {}})
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_REQUEST"


def test_variables_of_the_wrong_json_type(gw: Gateway) -> None:
    response = gw.post({"query": "{ me { id } }", "variables": [1]})
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_REQUEST"


def test_syntax_error(gw: Gateway) -> None:
    response = gw.post({"query": "{ me { id }"})
    assert response.status_code == 400
    body = response.json()
    assert _code(body) == "GRAPHQL_PARSE_FAILED"
    assert body["errors"][0]["locations"]


def test_unknown_field(gw: Gateway) -> None:
    response = gw.post({"query": "{ me { id password } }"})
    assert response.status_code == 400
    body = response.json()
    assert _code(body) == "GRAPHQL_VALIDATION_FAILED"
    assert "password" in body["errors"][0]["message"]


def test_wrong_variable_type(gw: Gateway) -> None:
    query = "query($n: Boolean!) { products { name @include(if: $n) } }"
    response = gw.post({"query": query, "variables": {"n": "yes"}})
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_USER_INPUT"
    response = gw.post({"query": query})
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_USER_INPUT"


def test_ten_megabyte_body_is_refused(gw: Gateway) -> None:
    padding = "#" + "x" * (10 * 1024 * 1024) + "\n"
    response = gw.post({"query": padding + "{ me { id } }"})
    assert response.status_code == 413
    assert _code(response.json()) == "PAYLOAD_TOO_LARGE"


def test_500_deep_query(gw: Gateway) -> None:
    query = "{" + "me { " * 500 + "id" + " }" * 500 + "}"
    response = gw.post({"query": query})
    assert response.status_code == 400
    assert _code(response.json()) == "MAX_DEPTH_EXCEEDED"


def test_get_query_and_mutation_over_get(gw: Gateway) -> None:
    response = gw.http.get("/graphql", params={"query": "{ me { id } }"}, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"id": "u1"}}}


def test_mutation_over_get_is_refused(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory("mutations")
    query = 'mutation { add(num: 1, requestId: "get") }'
    response = gw.http.get("/graphql", params={"query": query}, headers=PREFLIGHT)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _code(response.json()) == "METHOD_NOT_ALLOWED"
    assert gw.subgraphs.requests("c") == []


def test_graphql_response_json_when_asked(gw: Gateway) -> None:
    accept = "application/graphql-response+json, application/json;q=0.9"
    response = gw.post({"query": "{ me { id } }"}, headers={"accept": accept})
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    response = gw.post({"query": "{ me { id } }"})
    assert response.headers["content-type"].startswith("application/json")


def test_browser_gets_graphiql_from_vendored_assets(gw: Gateway) -> None:
    response = gw.http.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "GraphiQL.createFetcher" in response.text
    # Everything comes from the router itself: no CDN, no absolute URLs.
    assert "http://" not in response.text and "https://" not in response.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        served = gw.http.get(f"/graphiql/static/{asset}")
        assert served.status_code == 200 and len(served.content) > 5_000


def test_introspection_alone_and_mixed(gw: Gateway) -> None:
    got = gw.query("{ __schema { queryType { name } } }")
    assert got == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    got = gw.query('{ __type(name: "Product") { fields { name } } me { id } }')
    names = {f["name"] for f in got["data"]["__type"]["fields"]}
    assert {"upc", "name", "shippingEstimate", "reviews"} <= names
    assert got["data"]["me"] == {"id": "u1"}
    assert "_entities" not in str(got)


def test_health_endpoints(gw: Gateway) -> None:
    assert gw.http.get("/health").status_code == 200
    assert gw.http.get("/health/ready").status_code == 200
    detailed = gw.http.get("/health/detailed").json()
    assert detailed["status"] == "ok"
    assert len(detailed["schemaHash"]) == 64
    assert set(detailed["subgraphs"]) == {"accounts", "inventory", "products", "reviews"}
    assert all(s["reachable"] for s in detailed["subgraphs"].values())


def test_introspection_with_variables_mixed_with_data(gw: Gateway) -> None:
    query = """
      query($type: String!, $noPrice: Boolean = true) {
        __type(name: $type) { name kind }
        products { upc price @skip(if: $noPrice) }
      }
    """
    got = gw.query(query, {"type": "Review"})
    assert got == {
        "data": {
            "__type": {"name": "Review", "kind": "OBJECT"},
            "products": [{"upc": "p1"}, {"upc": "p2"}],
        }
    }


def test_other_methods_get_a_graphql_405(gw: Gateway) -> None:
    response = gw.http.put("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 405
    assert _code(response.json()) == "METHOD_NOT_ALLOWED"


def test_metrics_count_requests_and_subgraph_calls(gw: Gateway) -> None:
    gw.query("{ me { id } }")
    gw.post({"query": "{ nope }"})
    text = gw.http.get("/metrics").text
    assert 'gateway_http_requests_total{status="200"}' in text
    assert 'gateway_http_requests_total{status="400"}' in text
    assert "gateway_subgraph_requests_total{" in text and 'outcome="ok"' in text
    assert "gateway_plan_cache_entries" in text


def test_planning_past_the_budget_is_query_planning_failed(
    gateway_factory: Callable[..., Gateway],
) -> None:
    """``planning_budget_s`` bounds planning; here it is so small any plan exceeds it."""
    gateway = gateway_factory("simple-requires-provides", planning_budget_s=1e-9)
    response = gateway.post({"query": "{ products { upc } }"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED"
    assert "budget" in error["message"]
