"""Split a compact JWS into its header, claims and signing input, without trusting it.

Everything here is linear in the token's length (``str.split``, base64, the JSON
decoder; no regular expression), and the length is capped before anything else
runs. The claims read here are unverified: the verifier only uses ``iss`` to pick
a provider, then checks the signature over exactly these bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jws import CompactSignature, JWSRegistry

from router.auth.jwt.errors import MALFORMED_TOKEN, TOKEN_TOO_LARGE, refused

MAX_HEADER_SEGMENT = 2048
MAX_SIGNATURE_SEGMENT = 1024
"""An RSA-4096 signature is 683 base64 characters."""


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A token taken apart but not yet verified."""

    compact: CompactSignature
    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def alg(self) -> str:
        alg: str = self.header["alg"]
        return alg

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


class TokenParser:
    """Takes tokens apart, refusing any longer than ``max_bytes`` before parsing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        registry = JWSRegistry(strict_check_header=False)
        # Unregistered header parameters are tolerated (some identity providers add
        # their own); ``crit`` is still enforced: an unknown critical parameter refuses.
        registry.max_header_length = MAX_HEADER_SEGMENT
        registry.max_payload_length = max_bytes
        registry.max_signature_length = MAX_SIGNATURE_SEGMENT
        self._registry = registry

    def parse(self, token: str) -> ParsedToken:
        """The parts of ``token``; raises ``AuthError`` (``token_too_large``, ``malformed_token``)."""
        return _parse(token, self.max_bytes, self._registry)


def _parse(token: str, max_bytes: int, registry: JWSRegistry) -> ParsedToken:
    if len(token) > max_bytes:
        raise refused(TOKEN_TOO_LARGE)
    if not token.isascii() or token.count(".") != 2:
        raise refused(MALFORMED_TOKEN)
    raw = token.encode("ascii")
    try:
        compact = jws.extract_compact(raw, registry=registry)
        header = compact.headers()
        registry.check_header(header)
    except (JoseError, ValueError, TypeError, RecursionError):
        # RecursionError: deeply nested JSON in the header; bounded by the size cap.
        raise refused(MALFORMED_TOKEN) from None
    if not isinstance(header.get("alg"), str) or "b64" in header:
        # b64=false (RFC 7797) payloads are not JWTs.
        raise refused(MALFORMED_TOKEN)
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise refused(MALFORMED_TOKEN)
    try:
        claims = json.loads(compact.payload)
    except (ValueError, TypeError, RecursionError):
        raise refused(MALFORMED_TOKEN) from None
    if not isinstance(claims, dict):
        raise refused(MALFORMED_TOKEN)
    return ParsedToken(compact, header, claims)
