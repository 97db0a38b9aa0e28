"""Find the token in a request: a cookie, or a header such as ``Authorization: Bearer``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from router.auth.jwt.errors import malformed_header
from router.auth.jwt.settings import TokenSource

if TYPE_CHECKING:
    from starlette.requests import Request


def token_from_request(request: Request, source: TokenSource) -> str | None:
    """The token ``source`` names, or None when the request carries none.

    With a header and a prefix, the header must read ``<prefix> <token>`` (the scheme
    is case-insensitive, RFC 9110); anything else is refused as a malformed header
    rather than ignored, so a client learns why it was not authenticated."""
    if source.cookie:
        return request.cookies.get(source.cookie) or None
    value = request.headers.get(source.header)
    if value is None:
        return None
    if not source.prefix:
        return value.strip() or None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != source.prefix.lower() or not token or " " in token:
        raise malformed_header(source.prefix)
    return token
