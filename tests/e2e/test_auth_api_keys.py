"""API keys through the real auth plugin: ``auth.require``, a key's own rate limit
(from its database row) enforced by the limiter counting by key, refusals, and the
usage counter per key."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from router.auth.api_keys.settings import ApiKeySettings
from router.config.auth import AuthSettings, IdentityForwarding
from router.config.traffic import RateLimitSettings
from tests.auth.keys import new_key, opened
from tests.e2e.conftest import Gateway
from tests.registry.harness import migrated_sqlite

SUITE = "simple-requires-provides"
QUERY = {"query": "{ products { upc } }"}


@pytest.fixture(scope="module")
def keyed(
    gateway_factory: Callable[..., Gateway], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Gateway, dict[str, str]]]:
    url = migrated_sqlite(tmp_path_factory.mktemp("keys"))

    async def make() -> dict[str, str]:
        async with opened(url) as store:
            _, plain = await new_key(store, "plain")
            _, limited = await new_key(store, "limited", rate_limit="3/minute")
            revoked_id, revoked = await new_key(store, "revoked")
            await store.revoke(revoked_id, "test")
            return {"plain": plain, "limited": limited, "revoked": revoked}

    keys = asyncio.run(make())
    auth = AuthSettings(
        require=True,
        api_keys=ApiKeySettings(database_url=url),
        forward=IdentityForwarding(client_id="x-client-id"),
    )
    limits = RateLimitSettings(enabled=True, by="api_key", limit="1000/minute")
    yield gateway_factory(SUITE, auth=auth, rate_limit=limits), keys


def test_a_valid_key_is_served_and_forwarded(keyed: tuple[Gateway, dict[str, str]]) -> None:
    gw, keys = keyed
    response = gw.post(QUERY, headers={"x-api-key": keys["plain"]})
    assert response.status_code == 200
    assert response.json() == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}
    sent = gw.subgraphs.servers["products"].request_headers  # type: ignore[union-attr]
    key_id = keys["plain"].split("_")[1]
    assert sent[-1]["x-client-id"] == key_id
    other = gw.post(QUERY, headers={"authorization": f"ApiKey {keys['plain']}"})
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "Authentication required"),
        ("gk_nonsense", "malformed"),
        ("gk_ABCDEFGH_" + "a" * 43, "unknown"),
        ("x" * 10_000, "malformed"),
    ],
)
def test_refusals_are_401(
    keyed: tuple[Gateway, dict[str, str]], key: str | None, reason: str
) -> None:
    gw, _ = keyed
    response = gw.post(QUERY, headers={"x-api-key": key} if key else {})
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert reason in error["message"]


def test_a_revoked_key_is_refused(keyed: tuple[Gateway, dict[str, str]]) -> None:
    gw, keys = keyed
    response = gw.post(QUERY, headers={"x-api-key": keys["revoked"]})
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["message"]
    assert keys["revoked"] not in response.text


def test_a_keys_own_limit_wins_over_the_default(keyed: tuple[Gateway, dict[str, str]]) -> None:
    gw, keys = keyed
    statuses = [
        gw.post(QUERY, headers={"x-api-key": keys["limited"]}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = gw.post(QUERY, headers={"x-api-key": keys["limited"]})
    assert refused.headers["ratelimit-limit"] == "3"
    # Another key has its own count (the default 1000/minute).
    assert gw.post(QUERY, headers={"x-api-key": keys["plain"]}).status_code == 200
