"""JWT verification against JWKS-published keys (``auth.jwt`` in router.yaml).

``JwtVerifier(settings)`` is a ``CredentialVerifier``: ``await verify(token)``
returns a ``ClientIdentity`` or raises ``AuthError``. ``token_from_request``
finds the token per a provider's ``header``/``prefix``/``cookie``.
"""

from router.auth.jwt.extract import token_from_request
from router.auth.jwt.jwks import JwksCache, JwksError
from router.auth.jwt.settings import (
    DEFAULT_ALGORITHMS,
    JwtProviderSettings,
    JwtSettings,
    JwtSettingsError,
    TokenSource,
)
from router.auth.jwt.verifier import JwtVerifier

__all__ = [
    "DEFAULT_ALGORITHMS",
    "JwksCache",
    "JwksError",
    "JwtProviderSettings",
    "JwtSettings",
    "JwtSettingsError",
    "JwtVerifier",
    "TokenSource",
    "token_from_request",
]
