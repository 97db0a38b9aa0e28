"""Prometheus metrics at ``GET /metrics``: client requests, subgraph requests,
and the plan cache, so operators can watch the router (and alert on it).

A built-in plugin: ``on_response`` counts and times every request (refused ones
too); subgraph requests are observed through the subgraph client's ``observe``
callback, a plain synchronous call per fetch, cheaper than an awaited hook.
One registry per app (tests start several apps in one process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from router.pipeline.plugin import Plugin, ResponseOut
from router.state import StateHolder

if TYPE_CHECKING:
    from fastapi import FastAPI

    from router.pipeline.context import RequestContext

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _PlanCacheCollector(Collector):
    """Reads the current state's plan cache at scrape time (no hot-path cost)."""

    def __init__(self, holder: StateHolder) -> None:
        self.holder = holder

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        state = self.holder.current
        if state is None:
            return
        cache = state.planner.plan_cache
        hits = CounterMetricFamily("gateway_plan_cache_hits", "Plan cache hits (current schema)")
        hits.add_metric([], cache.hits)
        misses = CounterMetricFamily(
            "gateway_plan_cache_misses", "Plan cache misses (current schema)"
        )
        misses.add_metric([], cache.misses)
        size = GaugeMetricFamily(
            "gateway_plan_cache_entries", "Plans cached for the current schema"
        )
        size.add_metric([], len(cache))
        yield from (hits, misses, size)


class Metrics(Plugin):
    """The router's instruments."""

    name = "metrics"

    def __init__(self, holder: StateHolder, registry: CollectorRegistry | None = None) -> None:
        self.registry = CollectorRegistry() if registry is None else registry
        self.requests = Counter(
            "gateway_http_requests",
            "GraphQL HTTP requests by status code",
            ["status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "gateway_http_request_duration_seconds",
            "GraphQL HTTP request latency",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.subgraph_requests = Counter(
            "gateway_subgraph_requests",
            "Subgraph requests by subgraph and outcome (ok or the error code)",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self.subgraph_seconds = Histogram(
            "gateway_subgraph_request_duration_seconds",
            "Subgraph request latency",
            ["subgraph"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_PlanCacheCollector(holder))
        # Labelled children looked up once: `labels()` takes a lock and builds a key on
        # every call, and these run on every request.
        self._by_status: dict[int, Any] = {}
        self._by_outcome: dict[tuple[str, str], Any] = {}
        self._latency_by_subgraph: dict[str, Any] = {}

    def observe_subgraph(self, subgraph: str, outcome: str, seconds: float) -> None:
        counter = self._by_outcome.get((subgraph, outcome))
        if counter is None:
            counter = self._by_outcome[(subgraph, outcome)] = self.subgraph_requests.labels(
                subgraph, outcome
            )
        counter.inc()
        latency = self._latency_by_subgraph.get(subgraph)
        if latency is None:
            latency = self._latency_by_subgraph[subgraph] = self.subgraph_seconds.labels(subgraph)
        latency.observe(seconds)

    def setup(self, app: FastAPI) -> None:
        app.state.metrics = self
        app.state.client.observe = self.observe_subgraph
        app.router.add_route("/metrics", self.endpoint, methods=["GET"], include_in_schema=False)

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        self.request_seconds.observe(ctx.elapsed)
        status = response.status
        counter = self._by_status.get(status)
        if counter is None:
            counter = self._by_status[status] = self.requests.labels(str(status))
        counter.inc()

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)
