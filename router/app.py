"""The router's HTTP application: one GraphQL endpoint over a supergraph.

``GraphQLEndpoint.handle`` is the request path, top to bottom; each stage is its
own module, and plugins (``router.pipeline.plugin``) hook in between the stages:

1. HTTP in         ``http.request`` (body / query string), ``http.csrf``
                   -> ``on_request``
2. operation       ``operation.prepare`` via ``GatewayState.prepare``: parse, limits,
                   validate, plan, shaping compile; cached per document
                   ``operation.variables``: coerce this request's variables
                   -> ``on_operation``
3. execution       ``execution.executor``: walk the plan; each fetch through
                   ``execution.subgraph_client`` -> ``on_subgraph_request`` /
                   ``on_subgraph_response``; introspection by graphql-core
4. response out    ``response.shaping`` (null bubbling, aliases) -> ``on_response``
                   -> ``response.encoding`` (JSON, graphql-response+json, MessagePack)

One ``RequestContext`` travels through all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from router.auth.setup import identity_plugins
from router.cache.setup import cache_plugins, persisted_plugin
from router.config.settings import Settings
from router.errors import (
    BAD_REQUEST,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    PERSISTED_QUERY_NOT_SUPPORTED,
    SCHEMA_NOT_LOADED,
    RequestError,
    graphql_error,
)
from router.execution.subgraph_client import SubgraphClient
from router.http.cors import install_cors
from router.http.csrf import check_csrf
from router.http.fast_path import GatewayApp
from router.http.graphiql import ASSETS_DIR, ASSETS_URL, assets_available, browser_page
from router.http.request import read_graphql_request, response_media_type, wants_html
from router.operation.introspection import run_introspection
from router.operation.prepare import authorized
from router.operation.variables import coerce_variables
from router.ops import gil, health, reload
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin, Plugins, Respond, ResponseOut, load_plugin
from router.plugins.metrics import Metrics
from router.plugins.rate_limit import RateLimit
from router.records.setup import records_plugins
from router.response.encoding import encode
from router.state import StateHolder
from router.telemetry import Telemetry
from router.telemetry.request_log import RequestLog
from router.telemetry.tracing import Tracing, trace_headers

log = logging.getLogger("router")

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class GraphQLEndpoint:
    """``/graphql``: the request path through the pipeline's stages."""

    def __init__(
        self,
        settings: Settings,
        holder: StateHolder,
        plugins: Plugins,
        tracing: Tracing | None = None,
    ) -> None:
        self.settings = settings
        self.holder = holder
        self.plugins = plugins
        self.tracing = tracing
        """None when tracing is off: then no stage touches OpenTelemetry at all."""

    async def handle(self, request: Request) -> Response:
        settings = self.settings
        if request.method == "GET" and settings.graphiql and wants_html(request):
            return HTMLResponse(browser_page())
        ctx = RequestContext.begin(request)
        if self.tracing is not None:
            return await self.tracing.request(ctx, self._answer)
        return await self._answer(ctx)

    async def _answer(self, ctx: RequestContext) -> Response:
        headers = ctx.http.headers
        media_type = response_media_type(headers.get("accept"), headers.get("x-msgpack-enabled"))
        try:
            status, body = await self._run(ctx)
        except RequestError as exc:
            status, body = exc.status, {"errors": exc.errors}
            if exc.headers:
                ctx.response_headers.update(exc.headers)
        except Respond as answer:  # a plugin answered (e.g. a response-cache hit)
            status, body = answer.status, answer.body
            if answer.headers:
                ctx.response_headers.update(answer.headers)
        except ClientDisconnect:
            log.debug(
                "client disconnected before sending its request",
                extra={"request_id": ctx.request_id},
            )
            status, body = 400, {"errors": [graphql_error("Client disconnected.", BAD_REQUEST)]}
        except Exception:
            log.exception(
                "request failed inside the router",
                extra={
                    "request_id": ctx.request_id,
                    "operation_name": ctx.operation_name,
                    "operation_hash": ctx.operation_hash,
                },
            )
            status, body = 500, {"errors": [_internal_error(ctx)]}
        ctx.status = status
        if self.plugins.on_response:
            body = await self._on_response(ctx, status, body)
        content, media_type = encode(body, media_type)
        if self.plugins.after_response:
            self._after_response(ctx, body, len(content))
        return Response(
            content, status_code=status, media_type=media_type, headers=ctx.response_headers
        )

    async def _run(self, ctx: RequestContext) -> tuple[int, dict[str, Any]]:
        settings, plugins, request = self.settings, self.plugins, ctx.http
        # 1. HTTP in
        if request.method not in ("GET", "POST"):
            raise RequestError.single(
                405,
                f"{request.method} is not supported; use POST (or GET for queries).",
                METHOD_NOT_ALLOWED,
                {"Allow": "GET, POST"},
            )
        if settings.csrf:
            check_csrf(request.headers, settings.csrf_required_headers)
        ctx.state = state = self.holder.current  # read once: a reload never changes it here
        ctx.graphql = graphql = await read_graphql_request(
            request, settings.max_body_bytes, settings.body_read_timeout_s
        )
        for on_request in plugins.on_request:
            await on_request(ctx)
        graphql = ctx.graphql or graphql  # a plugin may replace it (persisted queries)
        if not graphql.query:  # only a persisted-query hash, and no plugin resolved it
            raise RequestError.single(
                400, "Persisted queries are not supported.", PERSISTED_QUERY_NOT_SUPPORTED
            )
        # 2. operation
        if state is None:
            raise RequestError.single(503, "No supergraph is loaded.", SCHEMA_NOT_LOADED)
        started = time.perf_counter()
        tracing, propagate = self.tracing, None
        if tracing is not None and not tracing.recording():
            # Sampled out: no child spans at all; every subgraph fetch carries the
            # request's own traceparent (sampled flag off), so subgraphs do not sample.
            tracing, propagate = None, trace_headers()
        if tracing is None:
            prepared = await state.prepare_async(graphql.query, graphql.operation_name)
        else:
            prepared = await tracing.prepare(state, graphql.query, graphql.operation_name)
        prepared.usage.count += 1  # schema usage (router.telemetry.schema_usage)
        ctx.operation_name, ctx.operation_hash = prepared.name, prepared.hash
        ctx.operation_kind = prepared.kind
        if request.method == "GET" and prepared.kind != "query":
            raise RequestError.single(
                405,
                f"A {prepared.kind} cannot be sent with GET; use POST.",
                METHOD_NOT_ALLOWED,
                {"Allow": "POST"},
            )
        variables = coerce_variables(state.api_schema, prepared.operation, graphql.variables)
        for on_operation in plugins.on_operation:
            await on_operation(ctx, prepared)  # auth plugins have set ctx.client by now
        refused: list[dict[str, Any]] = []
        if prepared.restrictions:  # @authenticated / @requiresScopes fields selected
            prepared, refused = await state.in_compiler(
                authorized, state, prepared, ctx.client, settings.auth.reject_unauthorized
            )
        executed = time.perf_counter()
        ctx.timings["operation"] = executed - started
        # 3. execution
        if tracing is None:
            result = await state.executor.execute(
                prepared.plan,
                variables,
                prepared.kind,
                request.headers,
                ctx,
                plugins,
                trace_headers=propagate,
            )
        else:
            with tracing.span("execute"):
                result = await state.executor.execute(
                    prepared.plan, variables, prepared.kind, request.headers, ctx, plugins, tracing
                )
        errors = result.errors
        if refused:
            errors[:0] = refused
        if prepared.introspection_answer is not None:
            data, intro_errors = orjson.loads(prepared.introspection_answer)
            result.data.update(data)
            errors.extend(intro_errors)
        elif prepared.introspection is not None:
            data, intro_errors = run_introspection(
                state.api_schema, prepared.introspection, graphql.variables
            )
            result.data.update(data)
            errors.extend(intro_errors)
        shaping = time.perf_counter()
        ctx.timings["execution"] = shaping - executed
        # 4. response out
        if tracing is None:
            body: dict[str, Any] = {"data": prepared.shaper.shape(result.data, variables, errors)}
        else:
            with tracing.span("response.shape"):
                body = {"data": prepared.shaper.shape(result.data, variables, errors)}
        if errors:
            body["errors"] = errors
        ctx.timings["response"] = time.perf_counter() - shaping
        return 200, body

    async def _on_response(
        self, ctx: RequestContext, status: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Run the response hooks; a failing hook is logged and never loses the answer."""
        out = ResponseOut(status, body)
        for on_response in self.plugins.on_response:
            try:
                await on_response(ctx, out)
            except Exception:
                log.exception("on_response hook failed", extra={"request_id": ctx.request_id})
        return out.body

    def _after_response(self, ctx: RequestContext, body: dict[str, Any], size: int) -> None:
        """Run the synchronous recorders; a failing one is logged, the answer still goes."""
        for after_response in self.plugins.after_response:
            try:
                after_response(ctx, body, size)
            except Exception:
                log.exception("after_response hook failed (request %s)", ctx.request_id)


def _internal_error(ctx: RequestContext) -> dict[str, Any]:
    return graphql_error("Internal router error.", INTERNAL_SERVER_ERROR, requestId=ctx.request_id)


def add_plugin(app: FastAPI, plugin: Plugin) -> None:
    """Install a plugin on a built app (before it starts): its routes, then its hooks."""
    plugin.setup(app)
    app.state.plugins.add(plugin)


_NO_FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings, holder: StateHolder | None = None) -> FastAPI:
    """Build the app; the supergraph is loaded (and watched) in the lifespan."""
    holder = holder or StateHolder()
    default, by_subgraph = settings.subgraph_settings()  # registry mode replaces these
    client = SubgraphClient(
        settings.subgraph_timeout,
        settings.max_subgraph_requests,
        default=default,
        subgraphs=by_subgraph,
        keepalive_s=settings.subgraph_keepalive_s,
        eject_after=settings.subgraph_eject_after,
        probe_interval_s=settings.subgraph_probe_interval_s,
    )
    plugins = Plugins()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher: asyncio.Task[None] | None = None
        path = settings.supergraph
        if path and holder.current is None:
            reload.load_initial(path, settings, client, holder)
        gil.tune_for_responsiveness()
        if path and settings.reload:
            watcher = asyncio.create_task(reload.watch(path, settings, client, holder))
        try:
            await plugins.start()
            try:
                yield  # the server drains in-flight requests before this returns
            finally:
                await plugins.stop()
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await client.close()
            telemetry.shutdown()

    registry = CollectorRegistry()
    telemetry = Telemetry(
        registry,
        tracing=settings.tracing,
        sampling_ratio=settings.trace_sampling_ratio,
        traces_exporter=settings.traces_exporter,
    )
    app = GatewayApp(
        title="graphql-gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks would wrap every request once a global
        # provider exists and check whether one does on every request; the router
        # traces and measures itself (router.telemetry), so they stay off.
        telemetry=_NO_FASTAPI_TELEMETRY,
    )
    app.state.holder = holder
    app.state.client = client
    app.state.settings = settings
    app.state.plugins = plugins
    app.state.telemetry = telemetry  # plugins take their OpenTelemetry meters from it
    add_plugin(app, Metrics(holder, registry, settings.max_operation_labels))
    add_plugin(app, RequestLog(settings.access_log))
    for plugin in identity_plugins(settings.auth):
        add_plugin(app, plugin)
    if settings.rate_limit.enabled:
        add_plugin(app, RateLimit(settings.rate_limit, os.environ.get("REDIS_URL") or None))
    for plugin in records_plugins(settings):  # usage, audit, their workers: off = none
        add_plugin(app, plugin)
    admin_token = os.environ.get("GATEWAY_ADMIN_TOKEN") or settings.registry.admin_token
    redis_url = os.environ.get("REDIS_URL") or None
    persisted = persisted_plugin(settings.persisted_operations, redis_url, admin_token)
    if persisted is not None:  # before other plugins see ctx.graphql
        add_plugin(app, persisted)
    for spec in settings.plugins:
        add_plugin(app, load_plugin(spec))
    for plugin in cache_plugins(settings.cache, redis_url, admin_token):
        add_plugin(app, plugin)  # last: a hit skips only what comes after every policy

    # Plain Starlette routes on the FastAPI app: the handlers take the raw Request,
    # and skipping FastAPI's dependency solving is ~25% more requests/s on small queries.
    endpoint = GraphQLEndpoint(settings, holder, plugins, telemetry.tracing)
    app.router.add_route("/graphql", endpoint.handle, methods=_METHODS, include_in_schema=False)
    app.router.add_route("/", endpoint.handle, methods=_METHODS, include_in_schema=False)
    app.serve_graphql(frozenset({"/graphql", "/"}), endpoint.handle)
    _add_health_routes(app, holder, client, plugins, settings)
    if assets_available():
        app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")
    install_cors(app, settings.cors)
    return app


def _add_health_routes(
    app: FastAPI, holder: StateHolder, client: SubgraphClient, plugins: Plugins, settings: Settings
) -> None:
    admin_token = os.environ.get("GATEWAY_ADMIN_TOKEN") or None

    async def live(_: Request) -> Response:
        return _json(200, {"status": "live"})

    async def ready(_: Request) -> Response:
        status, body = health.basic(holder)
        return _json(status, body)

    async def detailed(request: Request) -> Response:
        status, body = await health.detailed(holder, client)
        plugins.health(body)
        if not health.may_see_details(settings.health_details, admin_token, request.headers):
            body = health.redact(body)
        return _json(status, body)

    for path, handler in (
        ("/health/live", live),
        ("/health", ready),
        ("/health/ready", ready),
        ("/health/detailed", detailed),
    ):
        app.router.add_route(path, handler, methods=["GET"], include_in_schema=False)


def _json(status: int, body: dict[str, Any]) -> Response:
    content, media_type = encode(body, "application/json")
    return Response(content, status_code=status, media_type=media_type)
