"""Admin API routes of the caches (``/admin/api/cache/...``, ``/admin/api/persisted-...``).

Same rules as the registry's admin API (``router.admin``): off (404) without
``GATEWAY_ADMIN_TOKEN``, 401 without the bearer token, coded JSON errors. Added in
``create_app``, so they come before the registry's catch-all route.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from router.admin.auth import check_admin
from router.admin.errors import AdminError, bad_request

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("router.cache")

PREFIX = "/admin/api"
MAX_ADMIN_BODY_BYTES = 16 * 1024 * 1024

Handler = Callable[[Any], Awaitable[dict[str, Any]]]


def add_admin_route(app: FastAPI, path: str, handler: Handler, token: str | None) -> None:
    """``POST {PREFIX}{path}``: a JSON body in, a JSON object out."""

    async def endpoint(request: Request) -> Response:
        try:
            check_admin(request, token)
            body = await request.body()
            if len(body) > MAX_ADMIN_BODY_BYTES:
                raise bad_request("The request body is too large.", 413)
            try:
                payload = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError as exc:
                raise bad_request(f"The body is not JSON: {exc}") from exc
            return _json(200, await handler(payload))
        except AdminError as exc:
            error = {"message": exc.message, "extensions": {"code": exc.code}}
            return _json(exc.status, {"errors": [error]})
        except Exception as exc:  # the backend (Redis) is down: say so, coded
            log.exception("admin API %s failed", path)
            error = {
                "message": f"Cache backend unavailable: {type(exc).__name__}: {exc}",
                "extensions": {"code": "CACHE_UNAVAILABLE"},
            }
            return _json(503, {"errors": [error]})

    app.router.add_route(PREFIX + path, endpoint, methods=["POST"], include_in_schema=False)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
