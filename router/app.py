"""The router's HTTP application: one GraphQL endpoint over a supergraph.

The request path, top to bottom (one module per stage):

1. ``http_request``  - JSON body / GET parameters -> ``GraphQLRequest`` (400/413 on bad input)
2. ``state.prepare`` - parse (``document``, limits) -> validate + plan (``planner``) ->
                        shaping compile (``shaping``), all cached by document text
3. ``variables``     - coerce the request variables against the operation
4. ``executor``      - run the plan against subgraphs (``subgraph_client``), merge dicts
5. ``introspection`` - ``__schema``/``__type`` answered by graphql-core, merged in
6. ``shaping``       - the client's response from the merged data (null bubbling)
7. ``encoding``      - orjson (``application/graphql-response+json`` when asked, else
                        JSON), or MessagePack for clients sending ``x-msgpack-enabled: 1``
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from router.config.settings import Settings
from router.errors import (
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    SCHEMA_NOT_LOADED,
    RequestError,
    graphql_error,
)
from router.execution.subgraph_client import SubgraphClient
from router.http.graphiql import ASSETS_DIR, ASSETS_URL, assets_available, browser_page
from router.http.request import read_graphql_request, response_media_type, wants_html
from router.operation.introspection import run_introspection
from router.operation.variables import coerce_variables
from router.ops import health, reload
from router.plugins.metrics import Metrics
from router.response.encoding import encode
from router.state import StateHolder

log = logging.getLogger("router")


def create_app(settings: Settings, holder: StateHolder | None = None) -> FastAPI:
    """Build the app; the supergraph is loaded (and watched) in the lifespan."""
    holder = holder or StateHolder()
    default, by_subgraph = settings.subgraph_settings()  # registry mode replaces these
    client = SubgraphClient(
        settings.subgraph_timeout,
        settings.max_subgraph_requests,
        default=default,
        subgraphs=by_subgraph,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher: asyncio.Task[None] | None = None
        path = settings.supergraph
        if path and holder.current is None:
            reload.load_initial(path, settings, client, holder)
        if path and settings.reload:
            watcher = asyncio.create_task(reload.watch(path, settings, client, holder))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await client.close()

    app = FastAPI(title="graphql-gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.holder = holder
    app.state.client = client
    app.state.settings = settings
    # Callables adding sections to /health/detailed (the registry reports its fallbacks).
    app.state.health_extras = []

    async def graphql(request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            error = graphql_error(
                f"{request.method} is not supported; use POST (or GET for queries).",
                METHOD_NOT_ALLOWED,
            )
            return _json(405, {"errors": [error]}, headers={"Allow": "GET, POST"})
        if request.method == "GET" and settings.graphiql and wants_html(request):
            return HTMLResponse(browser_page())
        client_headers = request.headers
        media_type = response_media_type(
            client_headers.get("accept"), client_headers.get("x-msgpack-enabled")
        )
        state = holder.current  # read once: a reload never changes it under this request
        try:
            req = await read_graphql_request(request, settings.max_body_bytes)
            if state is None:
                raise RequestError.single(503, "No supergraph is loaded.", SCHEMA_NOT_LOADED)
            prepared = state.prepare(req.query, req.operation_name)
            if request.method == "GET" and prepared.kind != "query":
                raise RequestError.single(
                    405, f"A {prepared.kind} cannot be sent with GET; use POST.", METHOD_NOT_ALLOWED
                )
            variables = coerce_variables(state.api_schema, prepared.operation, req.variables)
        except RequestError as exc:
            headers = {"Allow": "POST"} if exc.status == 405 else None
            return _json(exc.status, {"errors": exc.errors}, media_type, headers)
        try:
            result = await state.executor.execute(
                prepared.plan, variables, prepared.kind, client_headers
            )
            errors = result.errors
            if prepared.introspection is not None:
                data, intro_errors = run_introspection(
                    state.api_schema, prepared.introspection, req.variables
                )
                result.data.update(data)
                errors.extend(intro_errors)
            shaped = prepared.shaper.shape(result.data, variables, errors)
        except Exception:
            log.exception("request failed inside the router")
            error = graphql_error("Internal router error.", INTERNAL_SERVER_ERROR)
            return _json(500, {"errors": [error]}, media_type)
        body: dict[str, Any] = {"data": shaped}
        if errors:
            body["errors"] = errors
        return _json(200, body, media_type)

    # Plain Starlette routes on the FastAPI app: the handlers take the raw Request,
    # and skipping FastAPI's dependency solving is ~25% more requests/s on small queries.
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    metrics = Metrics(holder)
    client.observe = metrics.observe_subgraph
    app.state.metrics = metrics
    counted = metrics.timed(graphql)
    app.router.add_route("/graphql", counted, methods=methods, include_in_schema=False)
    app.router.add_route("/", counted, methods=methods, include_in_schema=False)
    app.router.add_route("/metrics", metrics.endpoint, methods=["GET"], include_in_schema=False)

    async def health_basic(_: Request) -> Response:
        status, body = health.basic(holder)
        return _json(status, body)

    async def health_detailed(_: Request) -> Response:
        status, body = await health.detailed(holder, client)
        for contribute in app.state.health_extras:
            contribute(body)
        return _json(status, body)

    if assets_available():
        app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")
    app.router.add_route("/health", health_basic, methods=["GET"], include_in_schema=False)
    app.router.add_route("/health/ready", health_basic, methods=["GET"], include_in_schema=False)
    app.router.add_route(
        "/health/detailed", health_detailed, methods=["GET"], include_in_schema=False
    )
    return app


def _json(
    status: int,
    body: dict[str, Any],
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    content, media_type = encode(body, media_type)
    return Response(content, status_code=status, media_type=media_type, headers=headers)
