"""Check a verified token's claims and turn them into a ``ClientIdentity``.

The time and audience checks are joserfc's ``JWTClaimsRegistry``; this module maps
its errors onto the refusal reasons and reads the scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from joserfc.errors import ExpiredTokenError, InvalidClaimError, MissingClaimError
from joserfc.jwt import JWTClaimsRegistry

from router.auth.errors import AuthError
from router.auth.jwt.errors import (
    EXPIRED,
    MALFORMED_TOKEN,
    MISSING_CLAIM,
    NOT_YET_VALID,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    refused,
)
from router.auth.jwt.settings import JwtProviderSettings
from router.pipeline.context import ClientIdentity

_REASON_BY_CLAIM = {
    "iss": WRONG_ISSUER,
    "aud": WRONG_AUDIENCE,
    "nbf": NOT_YET_VALID,
    "iat": NOT_YET_VALID,
}
_REQUIRED = ("iss", "aud", "exp", "sub")


class ClaimsCheck:
    """The claim rules of one provider: issuer, audiences, lifetime, leeway."""

    def __init__(self, provider: JwtProviderSettings, now: Callable[[], int] | None = None) -> None:
        self._registry = JWTClaimsRegistry(
            now=now,
            leeway=provider.leeway_s,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "values": list(provider.audiences)},
            exp={"essential": True},
            sub={"essential": True},
        )

    def check(self, claims: dict[str, Any]) -> None:
        """Raise ``AuthError`` naming the first failed claim check."""
        try:
            self._registry.validate(claims)
        except ExpiredTokenError:
            raise refused(EXPIRED) from None
        except MissingClaimError as exc:
            missing = next((c for c in _REQUIRED if c in exc.claim.split(",")), None)
            raise refused(MISSING_CLAIM, missing) from None
        except InvalidClaimError as exc:
            if exc.claim == "nbf" and not _is_time(claims.get("nbf")):
                raise refused(MALFORMED_TOKEN) from None
            if exc.claim == "iat" and not _is_time(claims.get("iat")):
                raise refused(MALFORMED_TOKEN) from None
            raise refused(_REASON_BY_CLAIM.get(exc.claim, MALFORMED_TOKEN)) from None


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def identity_from_claims(
    claims: dict[str, Any], name_claim: str, scopes_claim: str | None
) -> ClientIdentity:
    """``id`` is ``sub``; ``name`` the ``name_claim`` when it is a string, else ``sub``."""
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise AuthError(MISSING_CLAIM, "Invalid token: missing sub claim.")
    name = claims.get(name_claim)
    return ClientIdentity(
        id=subject,
        kind="jwt",
        name=name if isinstance(name, str) and name else subject,
        scopes=scopes_from_claims(claims, scopes_claim),
        claims=claims,
    )


def scopes_from_claims(claims: dict[str, Any], scopes_claim: str | None) -> frozenset[str]:
    """Scopes from ``scopes_claim``, or by default ``scope`` (space-separated) else ``scp``.

    A claim may be a space-separated string or a list of strings (non-strings in a
    list are ignored)."""
    if scopes_claim is not None:
        return _scopes(claims.get(scopes_claim))
    if "scope" in claims:
        return _scopes(claims["scope"])
    return _scopes(claims.get("scp"))


def _scopes(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str) and v)
    return frozenset()
