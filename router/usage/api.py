"""``GET /admin/api/usage`` and ``GET /admin/api/usage/operations`` (admin token).

``/usage?from=24h&to=now&by=client|key|operation``: requests and errors per hour of
the busiest series, the top operations with average and p95 duration, and totals.
``/usage/operations?since=7d``: each operation seen since then, once, with its
document and request count (the contract schema checks use). Windows are capped at
93 days; every refusal is a coded JSON error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from router.admin.auth import check_admin
from router.admin.errors import AdminError, bad_request
from router.records.timeparams import BadTime, parse_time
from router.usage.operations import operations_seen
from router.usage.query import BY, usage_report

log = logging.getLogger("router.usage")

MAX_WINDOW = timedelta(days=93)


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def admin_route(
    app: FastAPI, path: str, token: str | None, handler: Callable[[Request], Awaitable[Any]]
) -> None:
    """A GET route under ``/admin/api`` with the admin token and coded errors."""

    async def endpoint(request: Request) -> Response:
        try:
            check_admin(request, token)
            return _json(200, await handler(request))
        except AdminError as exc:
            if exc.status == 401:
                from router.admin.api import audit_admin_failure

                audit_admin_failure(app, request)
            return _json(
                exc.status, {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
            )
        except Exception as exc:
            log.exception("admin API %s failed", path)
            error = {
                "message": f"Records database unavailable: {type(exc).__name__}",
                "extensions": {"code": "RECORDS_UNAVAILABLE"},
            }
            return _json(503, {"errors": [error]})

    app.router.add_route("/admin/api" + path, endpoint, methods=["GET"], include_in_schema=False)


def time_param(request: Request, name: str, default: datetime) -> datetime:
    raw = request.query_params.get(name)
    if raw is None or raw.strip().lower() in ("", "now"):
        return default
    try:
        return parse_time(raw)
    except BadTime as exc:
        raise bad_request(f"'{name}': {exc}") from exc


def mount_usage_api(app: FastAPI, engine: AsyncEngine, token: str | None) -> None:
    async def usage(request: Request) -> Any:
        now = datetime.now(UTC)
        end = time_param(request, "to", now)
        start = time_param(request, "from", end - timedelta(hours=24))
        if start >= end:
            raise bad_request("'from' must be before 'to'.")
        if end - start > MAX_WINDOW:
            raise bad_request("The window may span at most 93 days.")
        by = request.query_params.get("by", "client")
        if by not in BY:
            raise bad_request(f"'by' must be one of {', '.join(BY)}.")
        return await usage_report(engine, start, end, by)

    async def operations(request: Request) -> Any:
        since = time_param(request, "since", datetime.now(UTC) - timedelta(days=7))
        seen = await operations_seen(engine, since)
        return {"since": since.isoformat(), "operations": [op.json() for op in seen]}

    admin_route(app, "/usage", token, usage)
    admin_route(app, "/usage/operations", token, operations)
