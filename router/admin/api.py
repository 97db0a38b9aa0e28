"""The admin JSON API under ``/admin/api`` (reference: docs/admin-api.md).

Handlers only check the token, validate the body and call ``Registry``; every
refusal is a JSON body ``{"errors": [{"message", "extensions": {"code", ...}}]}``
with a 4xx status, never a traceback. The registry says why it refused a change
(``router.registry.errors``); which HTTP status that is gets decided here
(``STATUS``).
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from router.admin.auth import check_admin
from router.admin.errors import AdminError, bad_request
from router.admin.explorer import schema_graph
from router.auth.api_keys.errors import ApiKeyNotFound, InvalidApiKeyField
from router.auth.api_keys.fields import new_key_fields
from router.auth.api_keys.store import ApiKeyStore
from router.registry.checks import BreakingChange
from router.registry.errors import (
    CompositionFailed,
    InvalidSupergraph,
    RegistryError,
    SdlNotFetched,
    ServiceExists,
    ServiceNotFound,
    VersionNotFound,
)
from router.registry.presenters import errors_json
from router.registry.runtime import Registry
from router.registry.store import version_summary
from router.telemetry.schema_usage import field_usage

log = logging.getLogger("router.admin")

PREFIX = "/admin/api"
MAX_BODY = 64 * 1024
MAX_CHECK_BODY = 4 * 1024 * 1024
"""A proposed SDL to check may be much larger than a service's fields."""

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")

Handler = Callable[[Request, str], Awaitable[Any]]

STATUS: dict[type[RegistryError], int] = {
    ServiceNotFound: 404,
    VersionNotFound: 404,
    ServiceExists: 409,
    BreakingChange: 409,
    SdlNotFetched: 422,
    CompositionFailed: 422,
    InvalidSupergraph: 422,
    ApiKeyNotFound: 404,
    InvalidApiKeyField: 400,
}
"""The HTTP status of each registry refusal (a subclass takes its nearest base's)."""


def http_status(error: RegistryError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 422  # a refusal without its own status is still the client's change refused


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


async def _body(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > limit:
        raise bad_request("The request body is too large.", status=413)
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"The body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    return body


MAX_REPLICA_URLS = 64
"""Most replica ``urls`` one service may list."""


def _is_url(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) <= 2048
    )


def service_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Validate the writable service fields; unknown keys are refused (typo safety)."""
    allowed = {"url", "urls", "enabled", "use_msgpack", "headers", "timeout_s"} | (
        {"name"} if creating else set()
    )
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(
            f"Unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}."
        )
    values: dict[str, Any] = {}
    if creating:
        name = body.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise bad_request("'name' must be a string of letters, digits, '_' or '-' (max 128).")
        values["name"] = name
        if "url" not in body:
            raise bad_request("'url' is required.")
    if "url" in body:
        url = body["url"]
        if not _is_url(url):
            raise bad_request("'url' must be an http:// or https:// URL.")
        values["url"] = url
    if "urls" in body:
        urls = body["urls"]
        if (
            not isinstance(urls, list)
            or len(urls) > MAX_REPLICA_URLS
            or not all(_is_url(u) for u in urls)
        ):
            raise bad_request(
                f"'urls' must be a list of at most {MAX_REPLICA_URLS} http:// or https:// URLs."
            )
        values["urls"] = list(dict.fromkeys(urls))
    for flag in ("enabled", "use_msgpack"):
        if flag in body:
            if not isinstance(body[flag], bool):
                raise bad_request(f"'{flag}' must be true or false.")
            values[flag] = body[flag]
    if "headers" in body:
        headers = body["headers"]
        if not isinstance(headers, list) or not all(
            isinstance(h, str) and h.strip() for h in headers
        ):
            raise bad_request("'headers' must be a list of header names to forward.")
        values["headers"] = sorted({h.strip().lower() for h in headers})
    if "timeout_s" in body:
        timeout = body["timeout_s"]
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= 600
        ):
            raise bad_request("'timeout_s' must be a number of seconds in (0, 600].")
        values["timeout_s"] = float(timeout)
    if not creating and not values:
        raise bad_request(
            "Nothing to change: send url, urls, enabled, use_msgpack, headers or timeout_s."
        )
    return values


def _force(request: Request) -> bool:
    """``?force=true``: apply a change that fails its schema check (audited)."""
    raw = request.query_params.get("force", "false").lower()
    if raw not in {"true", "false", "1", "0"}:
        raise bad_request("'force' must be true or false.")
    return raw in {"true", "1"}


def check_fields(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The proposal of a check: ``sdl`` (the text) or ``url`` (fetch it), or both (the
    SDL, routed at the URL)."""
    unknown = sorted(set(body) - {"sdl", "url"})
    if unknown:
        raise bad_request(f"Unknown field(s): {', '.join(unknown)}; allowed: sdl, url.")
    sdl, url = body.get("sdl"), body.get("url")
    if sdl is not None and (not isinstance(sdl, str) or not sdl.strip()):
        raise bad_request("'sdl' must be a non-empty string.")
    if url is not None:
        url = service_fields({"url": url}, creating=False)["url"]
    if sdl is None and url is None:
        raise bad_request("Send 'sdl' (the proposed schema) or 'url' (where to fetch it).")
    return sdl, url


def _version_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise VersionNotFound(repr(raw)) from exc


def audit_admin_failure(app: FastAPI, request: Request) -> None:
    """A wrong or missing admin token, into the audit trail when it is on."""
    audit = getattr(app.state, "audit", None)
    if audit is not None:
        ip = request.client.host if request.client else "unknown"
        audit.record(
            f"ip:{ip}",
            "admin.auth_failure",
            f"{request.method} {request.url.path}"[:256],
            {"reason": "bad or missing admin token"},
            request.headers.get("x-request-id", "")[:128] or None,
            ip[:64],
        )


def mount_admin_api(app: FastAPI, registry: Registry, token: str | None) -> None:
    """Add the ``/admin/api`` routes to the app."""

    def route(
        path: str,
        methods: list[str],
        handler: Handler,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        async def endpoint(request: Request) -> Response:
            try:
                actor = check_admin(request, token)
                return _json(status, await handler(request, actor), headers)
            except AdminError as exc:
                if exc.status == 401:
                    audit_admin_failure(app, request)
                error = {"message": exc.message, "extensions": {"code": exc.code}}
                return _json(exc.status, {"errors": [error]})
            except RegistryError as exc:
                return _json(http_status(exc), {"errors": errors_json(exc)})
            except Exception as exc:  # database down or a bug: report, do not 500 blindly
                log.exception("admin API %s %s failed", request.method, request.url.path)
                unavailable = {
                    "message": f"Registry unavailable: {type(exc).__name__}: {exc}",
                    "extensions": {"code": "REGISTRY_UNAVAILABLE"},
                }
                return _json(503, {"errors": [unavailable]})

        app.router.add_route(PREFIX + path, endpoint, methods=methods, include_in_schema=False)

    async def list_services(_: Request, __: str) -> Any:
        rows = await registry.store.services()
        return {"services": [registry.service_json(r) for r in rows]}

    async def add_service(request: Request, actor: str) -> Any:
        values = service_fields(await _body(request), creating=True)
        return await registry.add_service(values, actor, _force(request))

    async def get_service(request: Request, _: str) -> Any:
        name = request.path_params["name"]
        row = await registry.store.service(name)
        if row is None:
            raise ServiceNotFound(name)
        return {"service": registry.service_json(row), "sdl": row.cached_sdl}

    async def patch_service(request: Request, actor: str) -> Any:
        changes = service_fields(await _body(request), creating=False)
        name = request.path_params["name"]
        return await registry.update_service(name, changes, actor, _force(request))

    async def check_service(request: Request, _: str) -> Any:
        name = request.path_params["name"]
        if not NAME_PATTERN.fullmatch(name):
            raise bad_request("The service name must be letters, digits, '_' or '-' (max 128).")
        sdl, url = check_fields(await _body(request, MAX_CHECK_BODY))
        return await registry.check_service(name, sdl, url)

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
            raise VersionNotFound(version_id)
        marker = await registry.store.active_marker()
        return {**version_summary(version, marker[0] if marker else None), "sdl": version.sdl}

    async def diff_version(request: Request, _: str) -> Any:
        version_id = _version_id(request.path_params["id"])
        version = await registry.store.version(version_id)
        if version is None:
            raise VersionNotFound(version_id)
        against_raw = request.query_params.get("against")
        older = None
        if against_raw:
            older = await registry.store.version(_version_id(against_raw))
            if older is None:
                raise VersionNotFound(against_raw)
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
        cached = state.operations.newest_first()  # a snapshot, taken on the loop
        usage = await asyncio.to_thread(field_usage, state.api_schema, cached)
        return schema_graph(state.supergraph, usage)

    async def audit(request: Request, __: str) -> Any:
        from router.audit.plugin import audit_filters
        from router.audit.store import audit_entries

        filters = audit_filters(request)  # actor, action, from, to, limit, before
        return {"entries": await audit_entries(registry.store.engine, **filters)}

    keys = ApiKeyStore(registry.store.engine)  # same database and pool as the registry

    async def list_keys(_: Request, __: str) -> Any:
        return {"keys": [key.public_json() for key in await keys.list()]}

    async def create_key(request: Request, actor: str) -> Any:
        record, key = await keys.create(new_key_fields(await _body(request)), actor)
        return {"key": key, "api_key": record.public_json()}

    async def revoke_key(request: Request, actor: str) -> Any:
        record = await keys.revoke(request.path_params["id"], actor)
        return {"api_key": record.public_json()}

    async def not_found(request: Request, _: str) -> Any:
        raise AdminError(404, "NOT_FOUND", f"No admin API route {request.url.path}.")

    route("/services", ["GET"], list_services)
    route("/services", ["POST"], add_service, status=201)
    route("/services/{name}", ["GET"], get_service)
    route("/services/{name}", ["PATCH"], patch_service)
    route("/services/{name}", ["DELETE"], delete_service)
    route("/services/{name}/check", ["POST"], check_service)
    route("/refresh", ["POST"], refresh)
    route("/supergraphs", ["GET"], list_versions)
    route("/supergraphs/{id}", ["GET"], get_version)
    route("/supergraphs/{id}/diff", ["GET"], diff_version)
    route("/supergraphs/{id}/activate", ["POST"], activate)
    route("/schema", ["GET"], schema)
    route("/audit", ["GET"], audit)
    route("/keys", ["GET"], list_keys)
    # The response carries the only copy of the secret: no cache may keep it.
    route("/keys", ["POST"], create_key, status=201, headers={"Cache-Control": "no-store"})
    route("/keys/{id}", ["DELETE"], revoke_key)
    route("/{rest:path}", ["GET", "POST", "PATCH", "PUT", "DELETE"], not_found)
