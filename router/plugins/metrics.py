"""Prometheus metrics at ``GET /metrics``: client requests, operations, GraphQL
errors, subgraph requests and the caches, so operators can watch the router (and
alert on it). docs/observability.md lists every name.

A built-in plugin: ``on_response`` counts and times every request (refused ones
too), per HTTP status and per operation (``router.telemetry.operations``: GraphQL
errors by code, so a 200 carrying errors counts as an error); subgraph requests are
observed through the subgraph client's ``observe``/``observe_exchange`` callbacks,
plain synchronous calls per fetch, cheaper than an awaited hook. Gauges (in-flight
subgraph requests, cache sizes) are read at scrape time, costing the hot path
nothing. One registry per app (tests start several apps in one process).

prometheus-client rather than OpenTelemetry instruments on the hot path: a cached
labelled child's ``inc`` is a lock and an add, several times cheaper than an OTel
``Counter.add`` with an attributes dict (measured with ``make bench``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from router.pipeline.plugin import Plugin, ResponseOut
from router.state import StateHolder
from router.telemetry.light_metrics import LightCounter, LightHistogram
from router.telemetry.operations import OperationMetrics

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
        # The compiled-operation cache in front of the planner: what a request hits.
        operations = state.operations
        op_hits = CounterMetricFamily(
            "gateway_operation_cache_hits",
            "Requests whose document was compiled already (current schema)",
        )
        op_hits.add_metric([], operations.hits)
        op_misses = CounterMetricFamily(
            "gateway_operation_cache_misses",
            "Requests whose document had to be parsed, validated and planned (current schema)",
        )
        op_misses.add_metric([], operations.misses)
        op_size = GaugeMetricFamily(
            "gateway_operation_cache_entries", "Compiled documents cached (current schema)"
        )
        op_size.add_metric([], len(operations))
        yield from (op_hits, op_misses, op_size)


class _InFlightCollector(Collector):
    """Subgraph requests under way, read from the client at scrape time."""

    def __init__(self, in_flight: dict[str, int]) -> None:
        self.in_flight = in_flight

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "gateway_subgraph_requests_in_flight",
            "Subgraph requests under way",
            labels=["subgraph"],
        )
        for subgraph, count in sorted(self.in_flight.items()):
            gauge.add_metric([subgraph], count)
        yield gauge


class Metrics(Plugin):
    """The router's instruments."""

    name = "metrics"

    def __init__(
        self,
        holder: StateHolder,
        registry: CollectorRegistry | None = None,
        max_operation_labels: int = 200,
    ) -> None:
        self.registry = CollectorRegistry() if registry is None else registry
        self.operations = OperationMetrics(self.registry, max_operation_labels)
        self.requests = LightCounter(
            "gateway_http_requests",
            "GraphQL HTTP requests by status code",
            ["status"],
            registry=self.registry,
        )
        self.request_seconds = LightHistogram(
            "gateway_http_request_duration_seconds",
            "GraphQL HTTP request latency",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.subgraph_requests = LightCounter(
            "gateway_subgraph_requests",
            "Subgraph requests by subgraph and outcome (ok or the error code)",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self.subgraph_seconds = LightHistogram(
            "gateway_subgraph_request_duration_seconds",
            "Subgraph request latency",
            ["subgraph"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.subgraph_errors = LightCounter(
            "gateway_subgraph_errors",
            "Subgraph requests that failed (kind: the failure code) or answered with "
            "GraphQL errors (kind: graphql)",
            ["subgraph", "kind"],
            registry=self.registry,
        )
        self.subgraph_sent = LightCounter(
            "gateway_subgraph_request_bytes",
            "Bytes of subgraph request bodies",
            ["subgraph"],
            registry=self.registry,
        )
        self.subgraph_received = LightCounter(
            "gateway_subgraph_response_bytes",
            "Bytes of subgraph response bodies",
            ["subgraph"],
            registry=self.registry,
        )
        self.registry.register(_PlanCacheCollector(holder))
        self._bytes_by_subgraph: dict[str, tuple[Any, Any]] = {}
        self._errors_by_kind: dict[tuple[str, str], Any] = {}
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
        if outcome != "ok":
            self._count_subgraph_error(subgraph, outcome)
        latency = self._latency_by_subgraph.get(subgraph)
        if latency is None:
            latency = self._latency_by_subgraph[subgraph] = self.subgraph_seconds.labels(subgraph)
        latency.observe(seconds)

    def observe_exchange(self, subgraph: str, sent: int, received: int, errors: int) -> None:
        pair = self._bytes_by_subgraph.get(subgraph)
        if pair is None:
            pair = self._bytes_by_subgraph[subgraph] = (
                self.subgraph_sent.labels(subgraph),
                self.subgraph_received.labels(subgraph),
            )
        pair[0].inc(sent)
        pair[1].inc(received)
        if errors:
            self._count_subgraph_error(subgraph, "graphql")

    def _count_subgraph_error(self, subgraph: str, kind: str) -> None:
        counter = self._errors_by_kind.get((subgraph, kind))
        if counter is None:
            counter = self._errors_by_kind[(subgraph, kind)] = self.subgraph_errors.labels(
                subgraph, kind
            )
        counter.inc()

    def setup(self, app: FastAPI) -> None:
        app.state.metrics = self
        client = app.state.client
        client.observe = self.observe_subgraph
        client.observe_exchange = self.observe_exchange
        self.registry.register(_InFlightCollector(client.in_flight))
        app.router.add_route("/metrics", self.endpoint, methods=["GET"], include_in_schema=False)

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        elapsed = ctx.elapsed
        self.request_seconds.observe(elapsed)
        status = response.status
        self.operations.observe(ctx, status, response.body.get("errors"), elapsed)
        counter = self._by_status.get(status)
        if counter is None:
            counter = self._by_status[status] = self.requests.labels(str(status))
        counter.inc()

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)
