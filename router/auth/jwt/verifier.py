"""``JwtVerifier``: a token in, a ``ClientIdentity`` out, or an ``AuthError`` saying why not.

The order of checks: size, shape (``token.py``), provider (by ``iss`` when there
are several), algorithm allow-list, key (by ``kid``, refetching the JWKS once when
it is unknown), signature, then the claims. Signature checks are joserfc's; this
module only decides which key and which algorithm may be used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import Key
from joserfc.jws import JWSRegistry, validate_compact

from router.auth.jwt.claims import ClaimsCheck, identity_from_claims
from router.auth.jwt.errors import (
    ALGORITHM_NOT_ALLOWED,
    BAD_SIGNATURE,
    UNKNOWN_KEY,
    WRONG_ISSUER,
    refused,
)
from router.auth.jwt.extract import token_from_request
from router.auth.jwt.jwks import JwksCache
from router.auth.jwt.settings import JwtProviderSettings, JwtSettings, TokenSource
from router.auth.jwt.token import ParsedToken, TokenParser
from router.pipeline.context import ClientIdentity

if TYPE_CHECKING:
    from starlette.requests import Request

    from router.auth.errors import CredentialVerifier


class _AllowList(JWSRegistry):
    """Exactly the provider's algorithms: no fallback to joserfc's "recommended" set,
    and no deprecation warning per token for an algorithm the operator chose."""

    def get_alg(self, name: str) -> JWSAlgModel:
        if not self.allowed or name not in self.allowed:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


class _Provider:
    def __init__(self, settings: JwtProviderSettings, now: Callable[[], int] | None) -> None:
        self.settings = settings
        self.jwks = JwksCache(settings)
        self.claims = ClaimsCheck(settings, now)
        self.registry = _AllowList(algorithms=settings.algorithms, strict_check_header=False)

    def algorithm(self, name: str) -> JWSAlgModel:
        try:
            return self.registry.get_alg(name)
        except JoseError:
            raise refused(ALGORITHM_NOT_ALLOWED) from None

    async def keys(self, token: ParsedToken, alg: JWSAlgModel) -> list[Key]:
        keys = self._fitting(token.kid, alg)
        if not keys and await self.jwks.refetch_for_unknown_kid():
            keys = self._fitting(token.kid, alg)
        if not keys or (token.kid is None and len(keys) > 1):
            # Without a kid, only an unambiguous key set is usable.
            raise refused(UNKNOWN_KEY)
        return keys

    def _fitting(self, kid: str | None, alg: JWSAlgModel) -> list[Key]:
        fitting = []
        for key in self.jwks.keys_for(kid):
            try:
                alg.check_key(key)  # key type, curve, the key's own "use" and "alg"
            except JoseError:
                continue
            fitting.append(key)
        return fitting

    def signature_ok(self, token: ParsedToken, key: Key) -> bool:
        try:
            return validate_compact(token.compact, key, registry=self.registry)
        except JoseError:
            return False


class JwtVerifier:
    """Verifies JWTs against the configured providers (a ``CredentialVerifier``).

    ``start()`` fetches every provider's JWKS and starts the refresh tasks;
    ``stop()`` ends them. ``now`` (seconds since the epoch) is for tests."""

    def __init__(self, settings: JwtSettings, *, now: Callable[[], int] | None = None) -> None:
        self.settings = settings
        self._parser = TokenParser(settings.max_token_bytes)
        self._providers = tuple(_Provider(p, now) for p in settings.providers)
        self._by_issuer = {p.settings.issuer: p for p in self._providers}
        sources: list[TokenSource] = []
        for provider in settings.providers:
            if provider.source not in sources:
                sources.append(provider.source)
        self.sources: tuple[TokenSource, ...] = tuple(sources)
        """Where tokens are looked for, in provider order, without repeats."""

    async def start(self) -> None:
        await asyncio.gather(*(p.jwks.start() for p in self._providers))

    async def stop(self) -> None:
        await asyncio.gather(*(p.jwks.stop() for p in self._providers))

    def token_from_request(self, request: Request) -> str | None:
        """The first token found in the request's configured places, or None."""
        for source in self.sources:
            token = token_from_request(request, source)
            if token is not None:
                return token
        return None

    async def verify(self, credential: str) -> ClientIdentity:
        token = self._parser.parse(credential)
        provider = self._provider_for(token.claims)
        alg = provider.algorithm(token.alg)
        keys = await provider.keys(token, alg)
        if not any(provider.signature_ok(token, key) for key in keys):
            raise refused(BAD_SIGNATURE)
        provider.claims.check(token.claims)
        return identity_from_claims(
            token.claims, provider.settings.name_claim, self.settings.scopes_claim
        )

    def _provider_for(self, claims: dict[str, Any]) -> _Provider:
        """The only provider, or the one whose issuer the (still unverified) ``iss`` names."""
        if len(self._providers) == 1:
            return self._providers[0]
        issuer = claims.get("iss")
        provider = self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if provider is None:
            raise refused(WRONG_ISSUER)
        return provider

    def health(self) -> dict[str, Any]:
        """Per issuer: key count, fetches, last success and error (``/health/detailed``)."""
        return {p.settings.issuer: p.jwks.health() for p in self._providers}


if TYPE_CHECKING:

    def _is_a_credential_verifier(verifier: JwtVerifier) -> CredentialVerifier:
        return verifier  # mypy checks JwtVerifier against the protocol here
