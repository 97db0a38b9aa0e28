"""Bearer-token check for ``/admin/api``.

Without ``GATEWAY_ADMIN_TOKEN`` the admin API is off (404), so a router never
exposes registry writes by accident; with it, a missing or wrong token gets 401.
The comparison is constant-time.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from router.admin.errors import AdminError


def check_admin(request: Request, token: str | None) -> str:
    """Return the actor name for the audit log, or raise ``AdminError`` (404/401)."""
    if not token:
        raise AdminError(
            404, "ADMIN_API_DISABLED", "The admin API is off: set GATEWAY_ADMIN_TOKEN to enable it."
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    ):
        raise AdminError(
            401, "UNAUTHENTICATED", "Send the admin token as 'Authorization: Bearer <token>'."
        )
    actor = request.headers.get("x-admin-actor", "").strip()[:100]
    host = request.client.host if request.client else "unknown"
    return f"{actor or 'admin'}@{host}"
