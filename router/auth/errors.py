"""Why a credential was refused, in words safe to show the client.

Every refusal is a 401 ``UNAUTHENTICATED`` whose message names the failed check
(``expired``, ``wrong audience``, ``bad signature``, ``unknown key``, ``revoked key``,
...) and never echoes secret material: not the key, not the token, not a claim value
the client did not send itself."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from router.errors import RequestError
from router.pipeline.context import ClientIdentity

UNAUTHENTICATED = "UNAUTHENTICATED"


class AuthError(Exception):
    """A credential that was presented and refused."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        """A short machine-readable reason (``expired``, ``revoked``, ...): logs, metrics, audit."""
        self.message = message

    def to_request_error(self) -> RequestError:
        return RequestError.single(
            401, self.message, UNAUTHENTICATED, {"WWW-Authenticate": 'Bearer realm="graphql"'}
        )


class CredentialVerifier(Protocol):
    """What the auth plugin needs of an API-key store or a JWT verifier."""

    def verify(self, credential: str) -> Awaitable[ClientIdentity]:
        """The identity behind ``credential``; raises ``AuthError`` when refused."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
