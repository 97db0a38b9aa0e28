"""JWKS over real HTTP: a local aiohttp server publishes the keys, rotates them,
fails, and counts every fetch the verifier makes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.auth.errors import AuthError
from router.auth.jwt import JwtProviderSettings, JwtSettings, JwtVerifier
from tests.auth.jwt_support import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    ec_key,
    mint,
    public_jwk,
    rsa_key,
)

KEY_A = rsa_key("key-a")
KEY_B = ec_key("key-b")


@pytest.fixture
async def server() -> AsyncIterator[JwksServer]:
    jwks = await JwksServer([public_jwk(KEY_A)]).start()
    yield jwks
    await jwks.stop()


async def started(url: str, **overrides: Any) -> JwtVerifier:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "audiences": (AUDIENCE,),
        "jwks_url": url,
        "jwks_refetch_min_s": 0.3,
        "jwks_timeout_s": 2.0,
    }
    values.update(overrides)
    v = JwtVerifier(JwtSettings(providers=(JwtProviderSettings(**values),)))
    await v.start()
    return v


async def reason(v: JwtVerifier, token: str) -> str:
    with pytest.raises(AuthError) as caught:
        await v.verify(token)
    return caught.value.reason


async def test_keys_come_from_the_url(server: JwksServer) -> None:
    v = await started(server.url)
    try:
        assert server.fetches == 1
        assert (await v.verify(mint(KEY_A))).id == "user-42"
        health = v.health()[ISSUER]
        assert health["keys"] == 1 and health["last_error"] is None
        assert health["url"] == server.url
    finally:
        await v.stop()


async def test_rotation_without_restart(server: JwksServer) -> None:
    v = await started(server.url, jwks_refresh_s=1.0)
    try:
        assert (await v.verify(mint(KEY_A))).id == "user-42"
        # A new key is published; the first token naming it triggers a refetch.
        server.keys = [public_jwk(KEY_A), public_jwk(KEY_B)]
        await asyncio.sleep(0.35)  # past jwks_refetch_min_s since the start-up fetch
        fetches = server.fetches
        assert (await v.verify(mint(KEY_B))).id == "user-42"
        assert server.fetches == fetches + 1
        # The old key is withdrawn: refused once the periodic refresh has seen it.
        server.keys = [public_jwk(KEY_B)]
        assert (await v.verify(mint(KEY_A))).id == "user-42"  # still cached
        await asyncio.sleep(1.0)
        assert server.fetches >= fetches + 2
        assert await reason(v, mint(KEY_A)) == "unknown_key"
        assert (await v.verify(mint(KEY_B))).id == "user-42"
    finally:
        await v.stop()


async def test_unknown_kid_flood_costs_one_fetch(server: JwksServer) -> None:
    v = await started(server.url, jwks_refetch_min_s=0.3)
    try:
        server.delay_s = 0.1  # the refetch is in flight while the others arrive
        await asyncio.sleep(0.35)
        before = server.fetches
        tokens = [mint(KEY_A, kid=f"made-up-{i}") for i in range(50)]
        results = await asyncio.gather(*(reason(v, t) for t in tokens))
        assert results == ["unknown_key"] * 50
        assert server.fetches == before + 1
        # Within jwks_refetch_min_s of that fetch: no fetch at all.
        results = await asyncio.gather(*(reason(v, t) for t in tokens))
        assert server.fetches == before + 1
        # Once the interval has passed, one more.
        await asyncio.sleep(0.35)
        assert await reason(v, tokens[0]) == "unknown_key"
        assert server.fetches == before + 2
    finally:
        await v.stop()


async def test_concurrent_tokens_for_a_new_key_share_one_fetch(server: JwksServer) -> None:
    v = await started(server.url)
    try:
        server.keys = [public_jwk(KEY_A), public_jwk(KEY_B)]
        server.delay_s = 0.1
        await asyncio.sleep(0.35)
        before = server.fetches
        identities = await asyncio.gather(*(v.verify(mint(KEY_B)) for _ in range(20)))
        assert {i.id for i in identities} == {"user-42"}
        assert server.fetches == before + 1
    finally:
        await v.stop()


async def test_endpoint_down_keeps_cached_keys(
    server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    v = await started(server.url, jwks_refresh_s=0.2)
    try:
        server.status = 503
        with caplog.at_level(logging.WARNING, logger="router.auth.jwt"):
            await asyncio.sleep(0.5)
        assert any("HTTP 503" in r.getMessage() for r in caplog.records)
        assert "keeping 1 cached key(s)" in caplog.text
        assert v.health()[ISSUER]["last_error"] == "HTTP 503"
        assert (await v.verify(mint(KEY_A))).id == "user-42"
        assert await reason(v, mint(KEY_B)) == "unknown_key"
        # Back up: the next refresh clears the error.
        server.status = 200
        await asyncio.sleep(0.4)
        assert v.health()[ISSUER]["last_error"] is None
    finally:
        await v.stop()


async def test_endpoint_down_at_start_then_recovering(server: JwksServer) -> None:
    server.status = 500
    v = await started(server.url, jwks_refetch_min_s=0.2)
    try:
        assert server.fetches == 1
        assert await reason(v, mint(KEY_A)) == "unknown_key"
        server.status = 200
        await asyncio.sleep(0.25)
        assert (await v.verify(mint(KEY_A))).id == "user-42"
    finally:
        await v.stop()


async def test_unreachable_endpoint_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    jwks = await JwksServer([]).start()
    url = jwks.url.replace("http://", "http://user:secret@") + "?token=secret"
    await jwks.stop()  # nothing listens there any more
    with caplog.at_level(logging.WARNING, logger="router.auth.jwt"):
        v = await started(url)
    try:
        assert v.health()[ISSUER]["last_error"] == "unreachable (ClientConnectorError)"
        assert jwks.url in caplog.text and "plain HTTP" in caplog.text
        assert "secret" not in caplog.text and "secret" not in str(v.health())
        assert await reason(v, mint(KEY_A)) == "unknown_key"
    finally:
        await v.stop()


async def test_oversized_or_invalid_jwks_is_not_used(server: JwksServer) -> None:
    v = await started(server.url, jwks_max_bytes=4096, jwks_refetch_min_s=0.0)
    try:
        assert (await v.verify(mint(KEY_A))).id == "user-42"
        server.keys = [public_jwk(KEY_B)]
        server.pad_bytes = 10_000
        assert await reason(v, mint(KEY_B)) == "unknown_key"
        assert v.health()[ISSUER]["last_error"] == "larger than 4096 bytes"
        assert (await v.verify(mint(KEY_A))).id == "user-42"  # old keys kept
        server.pad_bytes = 0
        server.keys = [{"kty": "RSA", "kid": "broken"}]
        assert await reason(v, mint(KEY_B)) == "unknown_key"
        assert v.health()[ISSUER]["last_error"] == "no usable signing keys"
        assert (await v.verify(mint(KEY_A))).id == "user-42"
    finally:
        await v.stop()


async def test_slow_endpoint_times_out(server: JwksServer) -> None:
    server.delay_s = 1.0
    v = await started(server.url, jwks_timeout_s=0.2)
    try:
        assert v.health()[ISSUER]["last_error"] == "unreachable (TimeoutError)"
    finally:
        await v.stop()
