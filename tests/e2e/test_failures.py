"""Failing subgraphs: each failure nulls only its part, with a coded error."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import Gateway
from tests.support import free_port


def test_hanging_html_and_closing_subgraphs(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(
        "simple-requires-provides",
        faults={"inventory": "hang", "reviews": "html", "accounts": "close"},
        subgraph_timeout=0.5,
    )
    got = gw.query("{ me { id } products { name inStock reviews { id } } }")
    assert got["data"] == {
        "me": None,
        "products": [
            {"name": "p-name-1", "inStock": None, "reviews": None},
            {"name": "p-name-2", "inStock": None, "reviews": None},
        ],
    }
    by_service = {e["extensions"]["serviceName"]: e["extensions"]["code"] for e in got["errors"]}
    assert by_service == {
        "accounts": "SUBGRAPH_REQUEST_FAILED",
        "inventory": "SUBGRAPH_TIMEOUT",
        "reviews": "SUBGRAPH_INVALID_RESPONSE",
    }
    detailed = gw.http.get("/health/detailed").json()
    assert detailed["status"] == "degraded"
    assert detailed["subgraphs"]["products"]["reachable"] is True
    assert detailed["subgraphs"]["reviews"]["reachable"] is True  # HTML with 200 still answers
    assert detailed["subgraphs"]["accounts"]["reachable"] is False


def test_subgraph_that_is_down(gateway_factory: Callable[..., Gateway]) -> None:
    down = f"http://127.0.0.1:{free_port()}/graphql"
    gw = gateway_factory(
        "simple-requires-provides", overrides={"products": down}, health_details=True
    )
    got = gw.query("{ me { id } products { name } }")
    assert got["data"] == {"me": {"id": "u1"}, "products": None}
    assert got["errors"][0]["extensions"] == {
        "code": "SUBGRAPH_REQUEST_FAILED",
        "serviceName": "products",
    }
    # The reason names the address, not aiohttp's "ssl:default" (no TLS on http://).
    port = down.split(":")[2].split("/")[0]
    health = gw.http.get("/health/detailed").json()["subgraphs"]["products"]
    for text in (got["errors"][0]["message"], str(health)):
        assert "ssl" not in text, text
    assert f"cannot connect to 127.0.0.1:{port}" in str(health), health


def test_subgraph_errors_keep_client_paths(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory("include-skip")
    # neverCalledInclude raises in subgraph "c": its error must point at the client's path.
    got = gw.query("{ product { price neverCalledInclude } }")
    assert got["data"] == {"product": None}
    paths = [e.get("path") for e in got["errors"] if e["extensions"].get("serviceName") == "c"]
    assert paths == [["product", "neverCalledInclude"]]
