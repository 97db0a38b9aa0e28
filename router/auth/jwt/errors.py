"""The refusals a JWT can get: one ``AuthError`` per failed check.

``reason`` is the machine-readable word for logs and metrics; the message names
the check for the client and never contains the token, a key or a claim value."""

from __future__ import annotations

from router.auth.errors import AuthError

EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
WRONG_ISSUER = "wrong_issuer"
WRONG_AUDIENCE = "wrong_audience"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_KEY = "unknown_key"
ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
MALFORMED_TOKEN = "malformed_token"
TOKEN_TOO_LARGE = "token_too_large"
MISSING_CLAIM = "missing_claim"
MALFORMED_HEADER = "malformed_authorization_header"

_MESSAGES = {
    EXPIRED: "Invalid token: expired.",
    NOT_YET_VALID: "Invalid token: not yet valid.",
    WRONG_ISSUER: "Invalid token: wrong issuer.",
    WRONG_AUDIENCE: "Invalid token: wrong audience.",
    BAD_SIGNATURE: "Invalid token: bad signature.",
    UNKNOWN_KEY: "Invalid token: unknown key.",
    ALGORITHM_NOT_ALLOWED: "Invalid token: algorithm not allowed.",
    MALFORMED_TOKEN: "Invalid token: malformed token.",
    TOKEN_TOO_LARGE: "Invalid token: token too large.",
    MALFORMED_HEADER: "Malformed authorization header: expected '{prefix} <token>'.",
}


def refused(reason: str, detail: str | None = None) -> AuthError:
    """The ``AuthError`` for ``reason``; ``detail`` is a fixed word or two, never client data."""
    if reason == MISSING_CLAIM:
        return AuthError(reason, f"Invalid token: missing {detail or 'required'} claim.")
    return AuthError(reason, _MESSAGES[reason])


def malformed_header(prefix: str) -> AuthError:
    return AuthError(MALFORMED_HEADER, _MESSAGES[MALFORMED_HEADER].format(prefix=prefix))
