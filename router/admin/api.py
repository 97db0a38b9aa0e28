"""The admin JSON API under ``/admin/api`` (reference: docs/admin-api.md).

Handlers only check the token, validate the body and call ``Registry``; every
refusal is a JSON body ``{"errors": [{"message", "extensions": {"code", ...}}]}``
with a 4xx status, never a traceback.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from router.admin.auth import check_admin
from router.admin.explorer import schema_graph
from router.registry.runtime import NAME_PATTERN, Registry, RegistryError
from router.registry.store import version_summary

log = logging.getLogger("router.admin")

PREFIX = "/admin/api"
MAX_BODY = 64 * 1024

Handler = Callable[[Request, str], Awaitable[Any]]


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _bad(message: str) -> RegistryError:
    return RegistryError.single(400, "BAD_REQUEST", message)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise RegistryError.single(413, "BAD_REQUEST", "The request body is too large.")
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise _bad(f"The body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object.")
    return body


def service_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Validate the writable service fields; unknown keys are refused (typo safety)."""
    allowed = {"url", "enabled", "use_msgpack", "headers", "timeout_s"} | (
        {"name"} if creating else set()
    )
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _bad(
            f"Unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}."
        )
    values: dict[str, Any] = {}
    if creating:
        name = body.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise _bad("'name' must be a string of letters, digits, '_' or '-' (max 128).")
        values["name"] = name
        if "url" not in body:
            raise _bad("'url' is required.")
    if "url" in body:
        url = body["url"]
        if (
            not isinstance(url, str)
            or not url.startswith(("http://", "https://"))
            or len(url) > 2048
        ):
            raise _bad("'url' must be an http:// or https:// URL.")
        values["url"] = url
    for flag in ("enabled", "use_msgpack"):
        if flag in body:
            if not isinstance(body[flag], bool):
                raise _bad(f"'{flag}' must be true or false.")
            values[flag] = body[flag]
    if "headers" in body:
        headers = body["headers"]
        if not isinstance(headers, list) or not all(
            isinstance(h, str) and h.strip() for h in headers
        ):
            raise _bad("'headers' must be a list of header names to forward.")
        values["headers"] = sorted({h.strip().lower() for h in headers})
    if "timeout_s" in body:
        timeout = body["timeout_s"]
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= 600
        ):
            raise _bad("'timeout_s' must be a number of seconds in (0, 600].")
        values["timeout_s"] = float(timeout)
    if not creating and not values:
        raise _bad("Nothing to change: send url, enabled, use_msgpack, headers or timeout_s.")
    return values


def _version_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise RegistryError.single(
            404, "VERSION_NOT_FOUND", f"No supergraph version {raw!r}."
        ) from exc


def mount_admin_api(app: FastAPI, registry: Registry, token: str | None) -> None:
    """Add the ``/admin/api`` routes to the app."""

    def route(path: str, methods: list[str], handler: Handler, status: int = 200) -> None:
        async def endpoint(request: Request) -> Response:
            try:
                actor = check_admin(request, token)
                return _json(status, await handler(request, actor))
            except RegistryError as exc:
                return _json(exc.status, {"errors": exc.errors})
            except Exception as exc:  # database down or a bug: report, do not 500 blindly
                log.exception("admin API %s %s failed", request.method, request.url.path)
                error: dict[str, Any] = {
                    "message": f"Registry unavailable: {type(exc).__name__}: {exc}",
                    "extensions": {"code": "REGISTRY_UNAVAILABLE"},
                }
                return _json(503, {"errors": [error]})

        app.router.add_route(PREFIX + path, endpoint, methods=methods, include_in_schema=False)

    async def list_services(_: Request, __: str) -> Any:
        rows = await registry.store.services()
        return {"services": [registry.service_json(r) for r in rows]}

    async def add_service(request: Request, actor: str) -> Any:
        values = service_fields(await _body(request), creating=True)
        return await registry.add_service(values, actor)

    async def get_service(request: Request, _: str) -> Any:
        name = request.path_params["name"]
        row = await registry.store.service(name)
        if row is None:
            raise RegistryError.single(404, "SERVICE_NOT_FOUND", f"No service named {name!r}.")
        return {"service": registry.service_json(row), "sdl": row.cached_sdl}

    async def patch_service(request: Request, actor: str) -> Any:
        changes = service_fields(await _body(request), creating=False)
        return await registry.update_service(request.path_params["name"], changes, actor)

    async def delete_service(request: Request, actor: str) -> Any:
        return await registry.delete_service(request.path_params["name"], actor)

    async def refresh(_: Request, actor: str) -> Any:
        result = await registry.refresh(actor)
        rows = await registry.store.services()
        return {**result, "services": [registry.service_json(r) for r in rows]}

    async def list_versions(_: Request, __: str) -> Any:
        marker = await registry.store.active_marker()
        active_id = marker[0] if marker else None
        versions = await registry.store.versions()
        return {"versions": [version_summary(v, active_id) for v in versions]}

    async def get_version(request: Request, _: str) -> Any:
        version_id = _version_id(request.path_params["id"])
        version = await registry.store.version(version_id)
        if version is None:
            raise RegistryError.single(
                404, "VERSION_NOT_FOUND", f"No supergraph version {version_id}."
            )
        marker = await registry.store.active_marker()
        return {**version_summary(version, marker[0] if marker else None), "sdl": version.sdl}

    async def diff_version(request: Request, _: str) -> Any:
        version_id = _version_id(request.path_params["id"])
        version = await registry.store.version(version_id)
        if version is None:
            raise RegistryError.single(
                404, "VERSION_NOT_FOUND", f"No supergraph version {version_id}."
            )
        against_raw = request.query_params.get("against")
        older = None
        if against_raw:
            older = await registry.store.version(_version_id(against_raw))
            if older is None:
                raise RegistryError.single(
                    404, "VERSION_NOT_FOUND", f"No supergraph version {against_raw}."
                )
        else:
            earlier = [v for v in await registry.store.versions(1000) if v.id < version_id]
            older = earlier[0] if earlier else None
        old_sdl = older.sdl if older else ""
        lines = difflib.unified_diff(
            old_sdl.splitlines(),
            version.sdl.splitlines(),
            fromfile=f"version {older.id}" if older else "(empty)",
            tofile=f"version {version.id}",
            lineterm="",
        )
        return {"from": older.id if older else None, "to": version.id, "diff": "\n".join(lines)}

    async def activate(request: Request, actor: str) -> Any:
        return await registry.activate(_version_id(request.path_params["id"]), actor)

    async def schema(_: Request, __: str) -> Any:
        state = registry.holder.current
        if state is None:
            return {"subgraphs": [], "hash": None, "types": [], "edges": []}
        return schema_graph(state.supergraph)

    async def audit(_: Request, __: str) -> Any:
        return {"entries": await registry.store.audit_log()}

    async def not_found(request: Request, _: str) -> Any:
        raise RegistryError.single(404, "NOT_FOUND", f"No admin API route {request.url.path}.")

    route("/services", ["GET"], list_services)
    route("/services", ["POST"], add_service, status=201)
    route("/services/{name}", ["GET"], get_service)
    route("/services/{name}", ["PATCH"], patch_service)
    route("/services/{name}", ["DELETE"], delete_service)
    route("/refresh", ["POST"], refresh)
    route("/supergraphs", ["GET"], list_versions)
    route("/supergraphs/{id}", ["GET"], get_version)
    route("/supergraphs/{id}/diff", ["GET"], diff_version)
    route("/supergraphs/{id}/activate", ["POST"], activate)
    route("/schema", ["GET"], schema)
    route("/audit", ["GET"], audit)
    route("/{rest:path}", ["GET", "POST", "PATCH", "PUT", "DELETE"], not_found)
