"""The auth plugin end to end: JWTs verified against a real local JWKS server,
``auth.require``, scopes from the token opening ``@requiresScopes`` fields, and the
identity forwarded to the real subgraph as headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.auth.jwt import JwtProviderSettings, JwtSettings
from router.config.auth import AuthSettings, IdentityForwarding
from tests.auth.jwt_support import AUDIENCE, ISSUER, JwksServer, mint, public_jwk, rsa_key
from tests.e2e.harness import LoopThread, RouterThread, Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec
from tests.e2e.test_authorization import USERS, USERS_SDL, supergraph_with_directives

SIGNING_KEY = rsa_key("k1")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RouterThread, Subgraphs]]:
    loop = LoopThread("jwks")
    jwks = loop.run(JwksServer([public_jwk(SIGNING_KEY)]).start())
    subgraphs = Subgraphs()
    spec = SubgraphSpec(
        "users",
        USERS_SDL,
        rows={"User": [dict(u) for u in USERS]},
        root={"me": dict(USERS[0]), "users": [dict(u) for u in USERS], "motd": "hello"},
    )
    subgraphs.start([spec])
    path: Path = tmp_path_factory.mktemp("jwt") / "supergraph.graphql"
    path.write_text(supergraph_with_directives(subgraphs.urls))
    auth = AuthSettings(
        require=True,
        jwt=JwtSettings(
            providers=(
                JwtProviderSettings(issuer=ISSUER, audiences=(AUDIENCE,), jwks_url=jwks.url),
            )
        ),
        forward=IdentityForwarding(client_id="x-client-id", scopes="x-client-scopes"),
    )
    router = RouterThread(path, auth=auth)
    try:
        yield router, subgraphs
    finally:
        router.stop()
        subgraphs.stop()
        loop.run(jwks.stop())
        loop.stop()


def _post(router: RouterThread, query: str, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(f"{router.url}/graphql", json={"query": query}, headers=headers, timeout=10)


def test_a_valid_token_opens_the_fields_its_scopes_allow(
    setup: tuple[RouterThread, Subgraphs],
) -> None:
    router, subgraphs = setup
    token = mint(SIGNING_KEY, sub="ada", scope="read:email")
    before = len(subgraphs.requests("users"))
    response = _post(router, "{ motd me { name email } }", token)
    assert response.status_code == 200
    assert response.json() == {
        "data": {"motd": "hello", "me": {"name": "Ada", "email": "ada@example.com"}}
    }
    closed = _post(router, "{ me { name salary } }", token).json()  # needs hr + read:pay
    assert closed["data"] == {"me": None}  # salary is Int!: its null bubbles to me
    assert closed["errors"][0]["path"] == ["me", "salary"]
    sent = subgraphs.servers["users"].request_headers[before:]  # type: ignore[union-attr]
    assert sent and all(h["x-client-id"] == "ada" for h in sent)
    assert all(h["x-client-scopes"] == "read:email" for h in sent)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "Authentication required"),
        ("garbage", "malformed"),
        (mint(SIGNING_KEY, exp=1), "expired"),
        (mint(SIGNING_KEY, aud="someone-else"), "audience"),
        (mint(rsa_key("k1")), "signature"),
        (mint(rsa_key("k9")), "unknown key"),
    ],
)
def test_refused_credentials_are_401_with_the_reason(
    setup: tuple[RouterThread, Subgraphs], token: str | None, reason: str
) -> None:
    router, _ = setup
    response = _post(router, "{ motd }", token)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert reason in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    if token:
        assert token not in response.text


def test_a_bearer_header_without_bearer_is_refused(setup: tuple[RouterThread, Subgraphs]) -> None:
    router, _ = setup
    token = mint(SIGNING_KEY)
    response = httpx.post(
        f"{router.url}/graphql",
        json={"query": "{ motd }"},
        headers={"authorization": f"Token {token}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
