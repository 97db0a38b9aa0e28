"""Fuzzing the HTTP layer: whatever a client sends, the router answers with a coded
GraphQL error (or data), never a 500 and never an uncoded error.

Inputs: random bytes and JSON bodies, random headers, documents built from the
GraphQL grammar (valid and broken token soups), and valid operations generated
from the schema (``tests.planner.random_operations``), mutated. ``make fuzz``
runs it with many more examples (``FUZZ_EXAMPLES``). Any failure Hypothesis finds
goes into ``tests/hostile/corpus/`` as a new entry.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgpack  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.app import create_app
from router.config.settings import Settings
from router.ops import reload
from tests.hostile.harness import unreachable_supergraph
from tests.planner.random_operations import operations
from tests.support import AUDIT_DIR, require_shared_data

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Router:
    """The router app on a loop of its own, called synchronously per example."""

    def __init__(self, supergraph: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(Settings(supergraph=str(supergraph), reload=False))
        reload.load_initial(
            str(supergraph), self.app.state.settings, self.app.state.client, self.app.state.holder
        )
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://router"
        )

    def send(self, method: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        request = self.http.request(method, "/graphql", content=content, headers=headers)
        return self.loop.run_until_complete(request)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.run_until_complete(self.app.state.client.close())
        self.loop.close()


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    require_shared_data()
    served = Router(unreachable_supergraph(tmp_path_factory.mktemp("fuzz")))
    try:
        yield served
    finally:
        served.close()


def assert_coded(response: httpx.Response) -> None:
    assert response.status_code != 500, response.text[:500]
    assert response.status_code < 500 or response.status_code == 503, response.text[:500]
    if "msgpack" in response.headers.get("content-type", ""):
        body: dict[str, Any] = msgpack.unpackb(response.content)
    else:
        body = response.json()
    assert "data" in body or "errors" in body, body
    for error in body.get("errors", []):
        assert error.get("extensions", {}).get("code"), error


NAMES = st.sampled_from(
    ["me", "id", "name", "products", "upc", "reviews", "author", "__typename", "__schema", "x"]
)
PUNCTUATORS = st.sampled_from([*"{}()[]:!$@=|&", "...", "on", "query", "fragment", "#"])
VALUES = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False).map(repr),
    st.text(max_size=20).map(json.dumps),
    st.just('"""block"""'),
    st.sampled_from(["true", "false", "null", "$v", "[1, 2]", "{a: 1}"]),
)
TOKEN_SOUP = st.lists(st.one_of(NAMES, PUNCTUATORS, VALUES), max_size=60).map(" ".join)


@st.composite
def grammar_documents(draw: st.DrawFn, depth: int = 0) -> str:
    """Syntactically plausible documents: nested selections, arguments, aliases,
    fragments and directives with names from the schema and outside it."""
    fields = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(NAMES)
        if draw(st.booleans()):
            name = f"{draw(NAMES).strip('_') or 'a'}: {name}"
        if draw(st.booleans()):
            name += f"(arg: {draw(VALUES)})"
        if draw(st.integers(0, 4)) == 0:
            name += f" @include(if: {draw(st.sampled_from(['true', 'false', '$v', '1']))})"
        if depth < 3 and draw(st.booleans()):
            name += " " + draw(grammar_documents(depth + 1))
        fields.append(name)
    if draw(st.integers(0, 5)) == 0:
        fields.append("...F")
    body = "{ " + " ".join(fields) + " }"
    if depth:
        return body
    prefix = draw(
        st.sampled_from(["", "query ", "query Q($v: Boolean) ", "mutation ", "subscription "])
    )
    tail = draw(
        st.sampled_from(["", " fragment F on User { id }", " fragment F on Query { me { id } }"])
    )
    return prefix + body + tail


def schema_operations() -> st.SearchStrategy[str]:
    require_shared_data()
    from planner import Supergraph

    sdl = (AUDIT_DIR / "simple-requires-provides" / "supergraph.graphql").read_text()
    return operations(Supergraph.parse(sdl).api_schema)


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy[str]) -> str:
    """A document with a few characters inserted, deleted or replaced."""
    text = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        change = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from([*'{}()"\\#$:.!@ \n\x00', "\u2028", "é"]))
        if change == "insert":
            text = text[:at] + char + text[at:]
        elif change == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at + 1 :]
    return text


HEADERS = st.dictionaries(
    st.sampled_from(
        ["content-type", "accept", "x-request-id", "apollo-require-preflight", "x-msgpack-enabled"]
    ),
    st.one_of(
        st.sampled_from(
            [
                "application/json",
                "application/graphql-response+json",
                "text/plain",
                "application/x-msgpack",
                "*/*",
                "application/json; charset=latin-1",
                "multipart/form-data; boundary=x",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    ),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _post(router: Router, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = json.dumps(payload).encode()
    return router.send("POST", content, {"content-type": "application/json", **(headers or {})})


@FUZZ
@given(
    body=st.binary(max_size=300), headers=HEADERS, method=st.sampled_from(["POST", "GET", "PUT"])
)
def test_random_bytes_and_headers(
    router: Router, body: bytes, headers: dict[str, str], method: str
) -> None:
    assert_coded(router.send(method, body, {"apollo-require-preflight": "1", **headers}))


@FUZZ
@given(
    payload=JSON_VALUES
    | st.fixed_dictionaries(
        {"query": JSON_VALUES},
        optional={
            "variables": JSON_VALUES,
            "operationName": JSON_VALUES,
            "extensions": JSON_VALUES,
        },
    )
)
def test_random_json_payloads(router: Router, payload: Any) -> None:
    assert_coded(_post(router, payload))


@FUZZ
@given(
    query=TOKEN_SOUP | mutated(grammar_documents()),
    variables=st.none() | st.dictionaries(st.sampled_from(["v", "x"]), JSON_VALUES, max_size=2),
)
def test_grammar_documents(router: Router, query: str, variables: dict[str, Any] | None) -> None:
    assert_coded(_post(router, {"query": query, "variables": variables}))


@FUZZ
@given(data=st.data())
def test_schema_operations_valid_and_mutated(router: Router, data: st.DataObject) -> None:
    query = data.draw(mutated(schema_operations()))
    assert_coded(_post(router, {"query": query}))
