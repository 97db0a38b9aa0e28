"""``@authenticated`` and ``@requiresScopes`` from the supergraph, enforced by the
router against real subgraph servers: fields the caller may not see are removed
before planning and answered with null plus ``UNAUTHORIZED_FIELD_OR_TYPE``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from planner import Supergraph
from planner.compose import Subgraph, compose
from router.config.auth import AuthSettings
from router.config.settings import PluginSpec
from router.pipeline.context import ClientIdentity, RequestContext
from router.pipeline.plugin import Plugin
from tests.e2e.harness import RouterThread, Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec

USERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { me: User  users: [User!]!  motd: String }
type User @key(fields: "id") { id: ID!  name: String  email: String  salary: Int! }
"""
USERS = [
    {"id": "u1", "name": "Ada", "email": "ada@example.com", "salary": 100},
    {"id": "u2", "name": "Bob", "email": "bob@example.com", "salary": 90},
]
SECURED_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5",
                    import: ["@key", "@authenticated", "@requiresScopes"])
type Query { me: User @authenticated  users: [User!]!  motd: String }
type User @key(fields: "id") {
  id: ID!
  name: String
  email: String @requiresScopes(scopes: [["read:email"], ["admin"]])
  salary: Int! @requiresScopes(scopes: [["hr", "read:pay"]])
}
"""
"""What composition reads (the test server answers with USERS_SDL's schema)."""


def supergraph_with_directives(urls: dict[str, str]) -> str:
    """The supergraph composed from the secured subgraph: composition carries the
    directives (Federation 2.5) into it."""
    result = compose([Subgraph("users", urls["users"], SECURED_SDL)])
    assert result.ok and result.supergraph_sdl is not None, result.errors
    return result.supergraph_sdl


class HeaderIdentity(Plugin):
    """Stands in for API keys / JWT: ``x-test-user`` and ``x-test-scopes``."""

    async def on_request(self, ctx: RequestContext) -> None:
        user = ctx.http.headers.get("x-test-user")
        if user:
            scopes = frozenset(ctx.http.headers.get("x-test-scopes", "").split())
            ctx.client = ClientIdentity(user, "jwt", scopes=scopes)


@pytest.fixture(scope="module")
def users() -> Iterator[Subgraphs]:
    subgraphs = Subgraphs()
    spec = SubgraphSpec(
        "users",
        USERS_SDL,
        rows={"User": [dict(u) for u in USERS]},
        root={"me": dict(USERS[0]), "users": [dict(u) for u in USERS], "motd": "hello"},
    )
    subgraphs.start([spec])
    try:
        yield subgraphs
    finally:
        subgraphs.stop()


@pytest.fixture(scope="module")
def routers(
    users: Subgraphs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RouterThread]]:
    subgraphs = users
    path = tmp_path_factory.mktemp("auth") / "supergraph.graphql"
    path.write_text(supergraph_with_directives(subgraphs.urls))
    identity = (PluginSpec(f"{__name__}:HeaderIdentity"),)
    started = {
        "nulls": RouterThread(path, plugins=identity),
        "reject": RouterThread(path, plugins=identity, auth=AuthSettings(reject_unauthorized=True)),
    }
    try:
        yield started
    finally:
        for router in started.values():
            router.stop()


def _post(router: RouterThread, query: str, **headers: str) -> httpx.Response:
    return httpx.post(f"{router.url}/graphql", json={"query": query}, headers=headers, timeout=10)


def _codes(body: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    return [(e["extensions"]["code"], e.get("path")) for e in body.get("errors", [])]


def test_anonymous_callers_get_nulls_and_errors_and_the_rest(
    routers: dict[str, RouterThread],
) -> None:
    body = _post(routers["nulls"], "{ motd me { name } users { name email } }").json()
    assert body["data"] == {
        "motd": "hello",
        "me": None,
        "users": [{"name": "Ada", "email": None}, {"name": "Bob", "email": None}],
    }
    assert _codes(body) == [
        ("UNAUTHORIZED_FIELD_OR_TYPE", ["me"]),
        ("UNAUTHORIZED_FIELD_OR_TYPE", ["users", "email"]),
    ]


def test_scopes_open_fields(routers: dict[str, RouterThread]) -> None:
    query = "{ me { name email } users { email } }"
    reader = _post(routers["nulls"], query, **{"x-test-user": "u1", "x-test-scopes": "read:email"})
    assert reader.json() == {
        "data": {
            "me": {"name": "Ada", "email": "ada@example.com"},
            "users": [{"email": "ada@example.com"}, {"email": "bob@example.com"}],
        }
    }
    admin = _post(
        routers["nulls"], "{ users { email } }", **{"x-test-user": "a", "x-test-scopes": "admin"}
    )
    assert "errors" not in admin.json()
    plain = _post(routers["nulls"], query, **{"x-test-user": "u1"})
    assert plain.json()["data"]["me"] == {"name": "Ada", "email": None}
    assert _codes(plain.json()) == [
        ("UNAUTHORIZED_FIELD_OR_TYPE", ["me", "email"]),
        ("UNAUTHORIZED_FIELD_OR_TYPE", ["users", "email"]),
    ]


def test_every_scope_of_an_alternative_is_needed_and_non_null_bubbles(
    routers: dict[str, RouterThread],
) -> None:
    query = "{ users { name salary } }"
    half = _post(routers["nulls"], query, **{"x-test-user": "h", "x-test-scopes": "hr"}).json()
    assert half["data"] is None  # salary is Int!, users [User!]!: the null bubbles to the root
    assert ("UNAUTHORIZED_FIELD_OR_TYPE", ["users", "salary"]) in _codes(half)
    full = _post(routers["nulls"], query, **{"x-test-user": "h", "x-test-scopes": "hr read:pay"})
    assert full.json() == {
        "data": {"users": [{"name": "Ada", "salary": 100}, {"name": "Bob", "salary": 90}]}
    }


def test_fields_are_removed_before_the_subgraph_is_asked(routers: dict[str, RouterThread]) -> None:
    fragment = "query Q { users { ...F } } fragment F on User { name email }"
    body = _post(routers["nulls"], fragment).json()
    assert body["data"] == {
        "users": [{"name": "Ada", "email": None}, {"name": "Bob", "email": None}]
    }
    only = _post(routers["nulls"], "{ me { email } }").json()
    assert only == {
        "data": {"me": None},
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["me"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            },
            {
                "message": "Unauthorized field or type",
                "path": ["me", "email"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            },
        ],
    }


def test_reject_unauthorized_refuses_the_whole_operation(
    routers: dict[str, RouterThread],
) -> None:
    refused = _post(routers["reject"], "{ motd users { email } }")
    assert refused.status_code == 403
    assert _codes(refused.json()) == [("UNAUTHORIZED_FIELD_OR_TYPE", ["users", "email"])]
    allowed = _post(
        routers["reject"],
        "{ motd users { email } }",
        **{"x-test-user": "a", "x-test-scopes": "admin"},
    )
    assert allowed.status_code == 200
    assert allowed.json()["data"]["motd"] == "hello"


def test_composition_carries_the_directives() -> None:
    sdl = supergraph_with_directives({"users": "http://users"})
    assert '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)' in sdl
    assert '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)' in sdl
    assert "  me: User @authenticated\n" in sdl
    assert '@requiresScopes(scopes: [["read:email"], ["admin"]])' in sdl
    assert "scalar requiresScopes__Scope" in sdl
    api = Supergraph.parse(sdl).api_schema  # the client never sees the machinery
    assert "requiresScopes__Scope" not in api.type_map
    assert api.get_directive("authenticated") is None


def test_scopes_from_two_subgraphs_are_both_required() -> None:
    shared = """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5",
                        import: ["@key", "@shareable", "@requiresScopes"])
    type Query { a: T }
    type T @key(fields: "id") { id: ID!  secret: String @shareable @requiresScopes(scopes: [[%s]]) }
    """
    result = compose(
        [
            Subgraph("one", "http://one", shared % '"x"'),
            Subgraph(
                "two",
                "http://two",
                shared.replace("type Query { a: T }", "type Query { b: T }") % '"y"',
            ),
        ]
    )
    assert result.ok, result.errors
    assert '@requiresScopes(scopes: [["x", "y"]])' in str(result.supergraph_sdl)


def test_a_supergraph_without_the_directives_has_no_policy(tmp_path: Path) -> None:
    from router.operation.authorization import AuthorizationPolicy

    result = compose([Subgraph("users", "http://users", USERS_SDL)])
    assert result.supergraph_sdl is not None
    assert AuthorizationPolicy.from_supergraph(Supergraph.parse(result.supergraph_sdl)) is None
    policy = AuthorizationPolicy.from_supergraph(
        Supergraph.parse(supergraph_with_directives({"users": "http://users"}))
    )
    assert policy is not None
    assert policy.fields[("Query", "me")].authenticated
    assert policy.fields[("User", "salary")].scopes == (frozenset({"hr", "read:pay"}),)
