"""CSRF prevention (on by default, Apollo Router's rule) and CORS (off by default)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from router.config.settings import CorsSettings
from tests.e2e.conftest import Gateway

MUTATION = b'{"query": "mutation { add(num: 1, requestId: \\"csrf\\") }"}'


@pytest.fixture(scope="module")
def gw(gateway_factory: Callable[..., Gateway]) -> Gateway:
    return gateway_factory("mutations")


def _code(response: object) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_simple_requests_are_refused_and_never_run(gw: Gateway, content_type: str | None) -> None:
    before = len(gw.subgraphs.requests("c"))
    headers = {"content-type": content_type} if content_type else {}
    response = gw.http.post("/graphql", content=MUTATION, headers=headers)
    assert response.status_code == 400
    assert _code(response) == "CSRF_PREVENTION"
    assert len(gw.subgraphs.requests("c")) == before  # the mutation did not execute


def test_a_preflight_header_lets_a_simple_request_through(gw: Gateway) -> None:
    for header in ("apollo-require-preflight", "x-apollo-operation-name", "x-graphql-client-name"):
        response = gw.http.post(
            "/graphql",
            content=b'{"query": "{ __typename }"}',
            headers={"content-type": "text/plain", header: "yes"},
        )
        assert response.status_code == 200, header
        assert response.json() == {"data": {"__typename": "Query"}}


def test_get_needs_a_preflight_header(gw: Gateway) -> None:
    refused = gw.http.get("/graphql", params={"query": "{ __typename }"})
    assert refused.status_code == 400
    assert _code(refused) == "CSRF_PREVENTION"
    allowed = gw.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"apollo-require-preflight": "1"}
    )
    assert allowed.json() == {"data": {"__typename": "Query"}}


def test_json_requests_pass_and_browsers_get_graphiql(gw: Gateway) -> None:
    assert gw.post({"query": "{ __typename }"}).status_code == 200
    page = gw.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


def test_csrf_can_be_configured(gateway_factory: Callable[..., Gateway]) -> None:
    off = gateway_factory("mutations", csrf=False)
    response = off.http.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200
    custom = gateway_factory("mutations", csrf_required_headers=("x-my-app",))
    body, plain = b'{"query": "{ __typename }"}', {"content-type": "text/plain"}
    refused = custom.http.post(
        "/graphql", content=body, headers=plain | {"apollo-require-preflight": "1"}
    )
    assert _code(refused) == "CSRF_PREVENTION"
    assert "x-my-app" in refused.json()["errors"][0]["message"]
    allowed = custom.http.post("/graphql", content=body, headers=plain | {"x-my-app": "1"})
    assert allowed.status_code == 200


def test_no_cors_headers_by_default(gw: Gateway) -> None:
    response = gw.post({"query": "{ __typename }"}, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = gw.http.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405
    assert _code(preflight) == "METHOD_NOT_ALLOWED"


def test_cors_for_configured_origins(gateway_factory: Callable[..., Gateway]) -> None:
    cors = CorsSettings(
        allow_origins=("https://app.example",),
        allow_credentials=True,
        allow_headers=("content-type", "x-api-key"),
        max_age_s=120,
    )
    gw = gateway_factory("mutations", cors=cors)
    app = {"origin": "https://app.example"}
    preflight = gw.http.options(
        "/graphql",
        headers=app
        | {"access-control-request-method": "POST", "access-control-request-headers": "x-api-key"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["access-control-max-age"] == "120"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    response = gw.post({"query": "{ __typename }"}, headers=app)
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    other = gw.http.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert other.status_code == 400
    assert _code(other) == "CORS_REQUEST_REJECTED"
    assert "access-control-allow-origin" not in other.headers
    refused = gw.post({"query": "{ __typename }"}, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
