"""``ApiKeyVerifier``: an ``x-api-key`` / ``Authorization: ApiKey`` credential to a
``ClientIdentity``, or an ``AuthError`` naming the failed check.

Hot path: a length check, a split, one sha256 and a dict read. The database is asked
only when the id is not cached: found keys are trusted for ``cache_ttl_s`` (at most
5 s, which is how long a revocation on another router can take to apply here),
unknown ids are refused from a bounded negative cache, concurrent lookups of the same
id share one query, and at most ``max_concurrent_lookups`` queries run at once. So a
flood of garbage keys costs at most one query per distinct id per minute, and it
cannot take every database connection. ``last_used_at`` is written in batches.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from router.auth.api_keys.cache import ExpiringCache
from router.auth.api_keys.keyformat import parse_key
from router.auth.api_keys.settings import ApiKeySettings
from router.auth.api_keys.store import ApiKeyRecord, ApiKeyStore
from router.auth.api_keys.usage import LastUsedRecorder
from router.auth.errors import AuthError, CredentialVerifier
from router.errors import RequestError
from router.pipeline.context import ClientIdentity

log = logging.getLogger("router.auth.api_keys")

MAX_CACHED_KEYS = 100_000
AUTH_UNAVAILABLE = "AUTH_UNAVAILABLE"


class KeyStoreUnavailable(AuthError):
    """The database could not be asked: the key is neither accepted nor called wrong
    (503, so the client retries instead of discarding a good key)."""

    def __init__(self) -> None:
        super().__init__("unavailable", "API keys cannot be checked right now; try again.")

    def to_request_error(self) -> RequestError:
        return RequestError.single(503, self.message, AUTH_UNAVAILABLE, {"Retry-After": "1"})


def malformed() -> AuthError:
    return AuthError("malformed key", "The API key is malformed (expected gk_<id>_<secret>).")


def unknown() -> AuthError:
    return AuthError("unknown key", "The API key is unknown.")


class ApiKeyVerifier:
    """The ``CredentialVerifier`` for API keys (router.auth.errors)."""

    def __init__(
        self,
        store: ApiKeyStore,
        settings: ApiKeySettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.settings = settings or ApiKeySettings()
        self.found: ExpiringCache[ApiKeyRecord] = ExpiringCache(
            self.settings.cache_ttl_s, MAX_CACHED_KEYS, clock
        )
        self.unknown: ExpiringCache[bool] = ExpiringCache(
            self.settings.negative_cache_ttl_s, self.settings.negative_cache_size, clock
        )
        self.usage = LastUsedRecorder(store, self.settings.flush_interval_s)
        self.lookups = 0
        """Database lookups made (tests and metrics read it)."""
        self._inflight: dict[str, asyncio.Future[ApiKeyRecord | None]] = {}
        self._gate = asyncio.Semaphore(self.settings.max_concurrent_lookups)

    @classmethod
    def from_settings(cls, settings: ApiKeySettings | None = None) -> ApiKeyVerifier:
        """A verifier with its own engine on ``settings.database_url`` (else DATABASE_URL)."""
        from router.registry.database import database_url, make_engine

        settings = settings or ApiKeySettings()
        engine = make_engine(settings.database_url or database_url())
        return cls(ApiKeyStore(engine, owns_engine=True), settings)

    async def start(self) -> None:
        await self.usage.start()

    async def stop(self) -> None:
        await self.usage.stop()
        await self.store.close()

    async def verify(self, credential: str) -> ClientIdentity:
        if len(credential) > self.settings.max_key_length:
            raise malformed()
        parsed = parse_key(credential.strip())
        if parsed is None:
            raise malformed()
        record = await self._record(parsed.id)
        if record is None or not hmac.compare_digest(record.secret_hash, parsed.secret_hash):
            raise unknown()
        now = datetime.now(UTC)
        if record.revoked_at is not None:
            raise AuthError("revoked key", "The API key has been revoked.")
        if record.expires_at is not None and record.expires_at <= now:
            raise AuthError("expired key", "The API key has expired.")
        self.usage.note(record.id, now)
        return ClientIdentity(
            id=record.id,
            kind="api_key",
            name=record.name,
            scopes=frozenset(record.scopes),
            claims={"rate_limit": record.rate_limit},
        )

    async def _record(self, key_id: str) -> ApiKeyRecord | None:
        cached = self.found.get(key_id)
        if cached is not None:
            return cached
        if self.unknown.get(key_id):
            return None
        pending = self._inflight.get(key_id)
        if pending is not None:  # someone is asking the database for this id already
            return await asyncio.shield(pending)
        future: asyncio.Future[ApiKeyRecord | None] = asyncio.get_running_loop().create_future()
        self._inflight[key_id] = future
        try:
            record = await self._query(key_id)
        except BaseException as exc:
            future.set_exception(
                exc if isinstance(exc, KeyStoreUnavailable) else KeyStoreUnavailable()
            )
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            self._inflight.pop(key_id, None)
        future.set_result(record)
        return record

    async def _query(self, key_id: str) -> ApiKeyRecord | None:
        async with self._gate:
            self.lookups += 1
            try:
                record = await self.store.get(key_id)
            except Exception as exc:
                log.warning("API key lookup failed: %s: %s", type(exc).__name__, exc)
                raise KeyStoreUnavailable() from exc
        if record is None:
            self.unknown.put(key_id, True)
        else:
            self.found.put(key_id, record)
        return record


def _is_a_credential_verifier(verifier: ApiKeyVerifier) -> CredentialVerifier:
    """mypy checks here that ``ApiKeyVerifier`` satisfies the protocol."""
    return verifier
