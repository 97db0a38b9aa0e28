"""CSRF prevention, as Apollo Router does it.

A browser sends a cross-site request without asking first (no CORS preflight) only
when it is a "simple" request: a ``Content-Type`` of ``text/plain``,
``application/x-www-form-urlencoded`` or ``multipart/form-data`` (or none, as for
GET), and no custom headers. Such a request could make a logged-in user's browser run
a mutation on another site's behalf, so it is refused unless it carries one of the
configured headers (which no simple request can). JSON POSTs, the normal GraphQL
request, always trigger a preflight and pass.
"""

from __future__ import annotations

from collections.abc import Mapping

from router.errors import CSRF_PREVENTION, RequestError

SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)


def check_csrf(headers: Mapping[str, str], required_headers: tuple[str, ...]) -> None:
    """Refuse (400 ``CSRF_PREVENTION``) a request a browser could send unpreflighted."""
    content_type = headers.get("content-type")
    if content_type:
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type and media_type not in SIMPLE_CONTENT_TYPES:
            return  # a browser preflights this content type
    for name in required_headers:
        if headers.get(name):
            return
    raise RequestError.single(
        400,
        "This operation has been blocked as a potential Cross-Site Request Forgery "
        "(CSRF). Please either specify a 'content-type' header (with a type that is not "
        "one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or "
        f"provide a non-empty value for one of the following headers: "
        f"{', '.join(required_headers)}",
        CSRF_PREVENTION,
    )
