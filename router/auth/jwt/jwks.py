"""A provider's public keys: fetched from its JWKS URL, cached, refreshed.

The keys are refetched every ``jwks_refresh_s`` (so a removed key stops working)
and once more when a token names a ``kid`` we do not have (so a new key works
without a restart). That second kind of fetch is rate-limited: at most one per
``jwks_refetch_min_s``, and every request waiting for a key shares the fetch in
flight, so a flood of tokens with made-up ``kid`` values costs one fetch, not one
each. A JWKS endpoint that fails (down, slow, too large, not a JWKS) changes
nothing: the cached keys stay in use and the failure is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import orjson
from joserfc.errors import JoseError
from joserfc.jwk import Key, import_key
from yarl import URL

from router.auth.jwt.settings import JwtProviderSettings, JwtSettingsError

log = logging.getLogger("router.auth.jwt")

MAX_KEYS = 100
"""More keys than this in one JWKS is a misconfiguration; the rest are ignored."""
_CHUNK = 64 * 1024


def _loggable(url: str) -> str:
    """The URL without user info or query string, which may hold secrets."""
    return str(URL(url).with_user(None).with_query(None))


class JwksError(Exception):
    """A JWKS document that could not be fetched or used (the message is for the log)."""


def import_jwks(document: object) -> list[Key]:
    """The signature-verification keys of a JWKS document.

    Symmetric (``oct``) keys and encryption keys are skipped: a published key set
    holds public keys, and an HMAC key taken from one is a forgery waiting to happen.
    Keys that do not import (unknown ``kty``, bad parameters) are skipped and logged.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise JwksError("not a JWKS document (no 'keys' list)")
    keys: list[Key] = []
    for index, entry in enumerate(document["keys"][:MAX_KEYS]):
        if not isinstance(entry, dict):
            log.warning("JWKS key %d skipped: not an object", index)
            continue
        if entry.get("kty") == "oct" or entry.get("use") == "enc":
            continue
        try:
            key = import_key(entry)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            log.warning("JWKS key %d skipped: %s: %.200s", index, type(exc).__name__, exc)
            continue
        keys.append(key)
    if not keys:
        raise JwksError("no usable signing keys")
    return keys


class JwksCache:
    """The keys of one provider, looked up by ``kid``."""

    def __init__(
        self,
        provider: JwtProviderSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = provider.jwks_url
        self._shown_url = _loggable(self.url) if self.url else None
        self._refresh_s = provider.jwks_refresh_s
        self._refetch_min_s = provider.jwks_refetch_min_s
        self._timeout = aiohttp.ClientTimeout(total=provider.jwks_timeout_s)
        self._max_bytes = provider.jwks_max_bytes
        self._clock = clock
        self._by_kid: dict[str, tuple[Key, ...]] = {}
        self._all: tuple[Key, ...] = ()
        self._session: aiohttp.ClientSession | None = None
        self._inflight: asyncio.Task[bool] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._last_attempt = -math.inf
        self.fetches = 0
        """HTTP fetch attempts so far (health, tests)."""
        self.last_error: str | None = None
        self.last_success: float | None = None
        """Wall-clock time of the last successful fetch."""
        if provider.jwks is not None:
            try:
                self._install(import_jwks(provider.jwks))
            except JwksError as exc:
                raise JwtSettingsError(
                    f"auth.jwt.providers[{provider.issuer!r}].jwks: {exc}"
                ) from None

    # -- keys ---------------------------------------------------------------

    def keys_for(self, kid: str | None) -> tuple[Key, ...]:
        """The cached keys with this ``kid``; every key when the token names none."""
        if kid is None:
            return self._all
        return self._by_kid.get(kid, ())

    def _install(self, keys: list[Key]) -> None:
        by_kid: dict[str, list[Key]] = {}
        for key in keys:
            if key.kid is not None:
                by_kid.setdefault(key.kid, []).append(key)
        # One assignment each: a request never sees half of a new key set.
        self._by_kid = {kid: tuple(group) for kid, group in by_kid.items()}
        self._all = tuple(keys)

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Fetch once (a failure is logged, not raised), then refresh in the background."""
        if self.url is None:
            return
        if self.url.startswith("http://"):
            log.warning(
                "JWKS %s is fetched over plain HTTP: keys can be swapped in transit",
                self._shown_url,
            )
        await self._shared_fetch()
        self._refresher = asyncio.create_task(self._refresh_loop(), name="jwks-refresh")

    async def stop(self) -> None:
        for task in (self._refresher, self._inflight):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._refresher = self._inflight = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self._shared_fetch()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let the loop die
                log.exception("JWKS refresh of %s failed", self._shown_url)

    # -- fetching -----------------------------------------------------------

    async def refetch_for_unknown_kid(self) -> bool:
        """Fetch again because a token named a ``kid`` we lack; True when keys were fetched.

        Joins a fetch already in flight; otherwise fetches only when the last attempt is
        at least ``jwks_refetch_min_s`` old."""
        if self.url is None:
            return False
        if self._inflight is None and self._clock() - self._last_attempt < self._refetch_min_s:
            return False
        return await self._shared_fetch()

    async def _shared_fetch(self) -> bool:
        task = self._inflight
        if task is None:
            task = asyncio.create_task(self._fetch(), name="jwks-fetch")
            self._inflight = task
            task.add_done_callback(self._fetch_done)
        # shield: a request that gives up (client gone) must not cancel the others' fetch.
        return await asyncio.shield(task)

    def _fetch_done(self, task: asyncio.Task[bool]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _fetch(self) -> bool:
        self._last_attempt = self._clock()
        self.fetches += 1
        try:
            keys = import_jwks(await self._download())
        except JwksError as exc:
            self.last_error = str(exc)
            log.warning(
                "JWKS %s: %s; keeping %d cached key(s)", self._shown_url, exc, len(self._all)
            )
            return False
        self._install(keys)
        self.last_error = None
        self.last_success = time.time()
        return True

    async def _download(self) -> Any:
        assert self.url is not None
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.get(
                self.url, timeout=self._timeout, headers={"Accept": "application/json"}
            ) as response:
                if response.status != 200:
                    raise JwksError(f"HTTP {response.status}")
                if (response.content_length or 0) > self._max_bytes:
                    raise JwksError(f"larger than {self._max_bytes} bytes")
                body = bytearray()
                async for chunk in response.content.iter_chunked(_CHUNK):
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise JwksError(f"larger than {self._max_bytes} bytes")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise JwksError(f"unreachable ({type(exc).__name__})") from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise JwksError("not JSON") from None

    def health(self) -> dict[str, Any]:
        return {
            "url": self._shown_url,
            "keys": len(self._all),
            "fetches": self.fetches,
            "last_success": self.last_success,
            "last_error": self.last_error,
        }
