"""Telemetry of the sample services (records, categories): ``/metrics``, traces, DB.

One ``ServiceTelemetry`` per app:

- ``GET /metrics`` (Prometheus text): ``subgraph_http_requests_total{service,method,
  path,status}``, ``subgraph_http_request_duration_seconds{service,path}``, the
  database metrics of ``router.telemetry.database`` (commands, pool);
- tracing when ``OTEL_TRACES_EXPORTER`` is ``otlp`` or ``console`` (the standard
  variables; ``OTEL_EXPORTER_OTLP_*`` choose endpoint and protocol,
  ``OTEL_TRACES_SAMPLER_ARG`` the ratio): the FastAPI instrumentation makes the server
  span, child of the router's ``subgraph.fetch`` through ``traceparent``, and the
  database monitors add one span per MongoDB command or SQL statement below it.

The services log through ``router.telemetry.logs`` like the router.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from router.telemetry.database import DatabaseMetrics, MongoMonitor, instrument_engine
from router.telemetry.tracing import span_exporter, tracer_provider

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


def tracing_from_env(service: str, environ: Mapping[str, str]) -> TracerProvider | None:
    """A tracer provider when ``OTEL_TRACES_EXPORTER`` asks for one, else None."""
    exporter = (environ.get("OTEL_TRACES_EXPORTER") or "none").strip().lower()
    if exporter == "none":
        return None
    ratio = float(environ.get("OTEL_TRACES_SAMPLER_ARG") or 1.0)
    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME") or service})
    return tracer_provider(resource, ratio, span_exporter(exporter, environ))


class _HttpMetrics:
    """A plain ASGI middleware: requests and durations by route (unknown paths: other)."""

    def __init__(self, app: ASGIApp, telemetry: ServiceTelemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.telemetry.observe_http(
                scope["method"], scope["path"], status, time.perf_counter() - started
            )


class ServiceTelemetry:
    """Metrics (always) and traces (when configured) for one service app."""

    def __init__(self, service: str, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.service = service
        self.registry = CollectorRegistry()
        self.db = DatabaseMetrics(self.registry)
        self.requests = Counter(
            "subgraph_http_requests",
            "HTTP requests to the service",
            ["service", "method", "path", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "subgraph_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "path"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.provider = tracing_from_env(service, env)
        self.tracer: Tracer | None = (
            self.provider.get_tracer(f"subgraphs.{service}") if self.provider else None
        )
        self.paths: frozenset[str] = frozenset()

    def install(self, app: FastAPI) -> None:
        """Add ``/metrics``, the HTTP metrics middleware and the FastAPI instrumentation."""

        async def metrics(_: Request) -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)

        app.router.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
        self.paths = frozenset(getattr(r, "path", "") for r in app.routes) | {"/graphql"}
        app.add_middleware(_HttpMetrics, telemetry=self)
        if self.provider is not None:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(
                app, tracer_provider=self.provider, excluded_urls="/metrics,/health"
            )

    def observe_http(self, method: str, path: str, status: int, seconds: float) -> None:
        route = path if path in self.paths else "other"
        self.requests.labels(self.service, method, route, str(status)).inc()
        self.duration.labels(self.service, route).observe(seconds)

    def mongo_monitor(self) -> MongoMonitor:
        """A PyMongo listener for the service's ``AsyncMongoClient``."""
        return MongoMonitor(self.db, self.tracer)

    def instrument_engine(self, engine: Any, pool_name: str) -> None:
        """Spans and metrics for a SQLAlchemy ``AsyncEngine``."""
        instrument_engine(engine.sync_engine, self.db, self.registry, pool_name, self.tracer)

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()
