"""``ApiKeyVerifier`` against real databases (SQLite file, PostgreSQL): every refusal
reason, the caches that keep garbage away from the database, and batched
``last_used_at``."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from router.auth.api_keys import ApiKeySettings, ApiKeyVerifier
from router.auth.api_keys.keyformat import format_key, new_key_id, new_secret
from router.auth.api_keys.store import ApiKeyStore
from router.auth.api_keys.verifier import AUTH_UNAVAILABLE, KeyStoreUnavailable
from router.auth.errors import AuthError
from router.registry.database import make_engine
from tests.auth.keys import database, new_key, opened, set_expiry


async def refused(verifier: ApiKeyVerifier, raw: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        await verifier.verify(raw)
    error = caught.value
    assert raw not in error.message or not raw  # the key is never echoed
    assert error.to_request_error().status == 401
    assert error.to_request_error().errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    return error


async def test_a_valid_key_gives_its_identity(key_database: str) -> None:
    async with opened(key_database) as store:
        key_id, key = await new_key(
            store, "billing", scopes=("orders:read", "orders:write"), rate_limit="100/minute"
        )
        verifier = ApiKeyVerifier(store)
        identity = await verifier.verify(key)
        assert identity.id == key_id and identity.kind == "api_key"
        assert identity.name == "billing"
        assert identity.scopes == frozenset({"orders:read", "orders:write"})
        assert identity.claims == {"rate_limit": "100/minute"}
        assert (await verifier.verify(f"  {key} ")).id == key_id  # header whitespace
        assert verifier.lookups == 1  # the second verification was served from the cache


async def test_each_refusal_names_its_reason(key_database: str) -> None:
    async with opened(key_database) as store:
        verifier = ApiKeyVerifier(store, ApiKeySettings(cache_ttl_s=0))
        revoked_id, revoked = await new_key(store, "old")
        await store.revoke(revoked_id, "test")
        expired_id, expired = await new_key(
            store, "temp", expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
        assert (await verifier.verify(expired)).id == expired_id
        await set_expiry(store, expired_id, datetime.now(UTC) - timedelta(seconds=1))
        live_id, live = await new_key(store, "live")

        assert (await refused(verifier, revoked)).reason == "revoked key"
        assert (await refused(verifier, expired)).reason == "expired key"
        unknown = format_key(new_key_id(), new_secret())
        assert (await refused(verifier, unknown)).reason == "unknown key"
        wrong_secret = format_key(live_id, new_secret())  # a real id, a guessed secret
        error = await refused(verifier, wrong_secret)
        assert error.reason == "unknown key"  # does not tell that the id exists
        for malformed in ["", "Bearer x", live[:-1], live + "A", live.replace("gk_", "GK_")]:
            assert (await refused(verifier, malformed)).reason == "malformed key"
        assert (await verifier.verify(live)).id == live_id


async def test_a_10kb_header_is_refused_before_any_work(key_database: str) -> None:
    async with opened(key_database) as store:
        verifier = ApiKeyVerifier(store)
        _, key = await new_key(store)
        started = time.perf_counter()
        for raw in [key + "A" * 10_240, "gk_" + "_" * 10_240, "A" * 10_240]:
            assert (await refused(verifier, raw)).reason == "malformed key"
        assert time.perf_counter() - started < 0.1
        assert verifier.lookups == 0


async def test_unknown_ids_are_cached_so_garbage_cannot_hammer_the_database(
    key_database: str,
) -> None:
    async with opened(key_database) as store:
        verifier = ApiKeyVerifier(store, ApiKeySettings(negative_cache_size=50))
        garbage = format_key(new_key_id(), new_secret())
        results = await asyncio.gather(
            *(verifier.verify(garbage) for _ in range(200)), return_exceptions=True
        )
        assert all(isinstance(r, AuthError) and r.reason == "unknown key" for r in results)
        assert verifier.lookups == 1  # concurrent lookups shared one query, then the cache
        for _ in range(500):  # distinct ids: one query each, the cache stays bounded
            await refused(verifier, format_key(new_key_id(), new_secret()))
        assert len(verifier.unknown) == 50


async def test_a_key_from_another_database_is_unknown(tmp_path: Path) -> None:
    """Keys of another environment (another registry database) do not work here."""
    staging, production = (next(database("sqlite", tmp_path)) for _ in range(2))
    async with opened(staging) as staging_store, opened(production) as production_store:
        _, staging_key = await new_key(staging_store, "staging-ci")
        assert (await ApiKeyVerifier(staging_store).verify(staging_key)).name == "staging-ci"
        error = await refused(ApiKeyVerifier(production_store), staging_key)
        assert error.reason == "unknown key"


async def test_revocation_applies_within_the_cache_ttl(key_database: str) -> None:
    async with opened(key_database) as writer, opened(key_database) as reader:
        key_id, key = await new_key(writer)
        verifier = ApiKeyVerifier(reader, ApiKeySettings(cache_ttl_s=0.5))
        await verifier.verify(key)
        await writer.revoke(key_id, "test")
        await verifier.verify(key)  # still cached: accepted for at most cache_ttl_s
        await asyncio.sleep(0.6)
        assert (await refused(verifier, key)).reason == "revoked key"


async def test_last_used_at_is_written_in_batches(key_database: str) -> None:
    async with opened(key_database) as store:
        key_id, key = await new_key(store)
        verifier = ApiKeyVerifier(store, ApiKeySettings(flush_interval_s=0.3))
        await verifier.start()
        try:
            for _ in range(300):
                await verifier.verify(key)
            assert (await store.get(key_id)).last_used_at is None  # type: ignore[union-attr]
            deadline = time.monotonic() + 5
            while (first := (await store.get(key_id)).last_used_at) is None:  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "last_used_at never written"
                await asyncio.sleep(0.05)
            assert verifier.usage.flushes <= 2  # 300 verifications, one or two writes
            await asyncio.sleep(0.1)
            for _ in range(300):
                await verifier.verify(key)
        finally:
            await verifier.stop()  # flushes what is pending
        async with opened(key_database) as again:
            second = (await again.get(key_id)).last_used_at  # type: ignore[union-attr]
        assert second is not None and second > first
        assert verifier.usage.flushes <= 4


async def test_an_unreachable_database_is_a_503_not_a_wrong_key(tmp_path: Path) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}"
    store = ApiKeyStore(make_engine(missing), owns_engine=True)
    verifier = ApiKeyVerifier(store)
    with pytest.raises(KeyStoreUnavailable) as caught:
        await verifier.verify(format_key(new_key_id(), new_secret()))
    answer = caught.value.to_request_error()
    assert answer.status == 503
    assert answer.errors[0]["extensions"]["code"] == AUTH_UNAVAILABLE
    assert len(verifier.unknown) == 0  # an outage is not remembered as "unknown"
    await verifier.stop()


def test_settings_refuse_a_cache_that_would_delay_revocation() -> None:
    from router.config.settings import SettingsError

    with pytest.raises(SettingsError, match="within 5 s"):
        ApiKeySettings(cache_ttl_s=30)
    assert ApiKeySettings().cache_ttl_s <= 5
