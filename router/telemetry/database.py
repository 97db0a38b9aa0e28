"""Database telemetry shared by the router (registry) and the sample services.

- ``MongoMonitor``: a PyMongo command and connection-pool listener (pass it in
  ``event_listeners=[...]``): a CLIENT span per command when a tracer is given,
  command counts and durations, open and checked-out connections, checkout failures.
- ``instrument_engine``: SQLAlchemy cursor events (a span per statement when a
  tracer is given, statement counts and durations) and the pool's state read at
  scrape time.

Written against the drivers' own event APIs rather than the
``opentelemetry-instrumentation-pymongo``/``-sqlalchemy`` packages: their released
versions pin an older semantic-conventions package than the SDK this project uses,
and the same listeners are needed for the pool metrics anyway. Attribute names follow
OpenTelemetry's database conventions (``db.system.name``, ``db.namespace``,
``db.operation.name``, ``db.collection.name``, ``db.query.text``).

Metric names (Prometheus): ``db_client_operations_total{system,operation,outcome}``,
``db_client_operation_duration_seconds{system,operation}``,
``db_client_connections_open{system,pool}``,
``db_client_connections_checked_out{system,pool}``,
``db_client_connection_checkout_failures_total{system,reason}`` and, for SQLAlchemy,
``db_client_connections_pool_size{system,pool}``/``..._overflow``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pymongo import monitoring

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
MAX_OPERATIONS = 64
"""Distinct operation labels kept (commands and SQL verbs are few; this is a guard)."""


class DatabaseMetrics:
    """The instruments every database monitor of one registry shares."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.operations = Counter(
            "db_client_operations",
            "Database commands or statements by outcome",
            ["system", "operation", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "db_client_operation_duration_seconds",
            "Database command or statement duration",
            ["system", "operation"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.open = Gauge(
            "db_client_connections_open",
            "Connections the pool holds open",
            ["system", "pool"],
            registry=registry,
        )
        self.checked_out = Gauge(
            "db_client_connections_checked_out",
            "Connections in use",
            ["system", "pool"],
            registry=registry,
        )
        self.checkout_failures = Counter(
            "db_client_connection_checkout_failures",
            "Connections the pool could not hand out",
            ["system", "reason"],
            registry=registry,
        )
        self._seen: set[tuple[str, str]] = set()

    def operation(self, system: str, name: str) -> str:
        """``name`` while fewer than ``MAX_OPERATIONS`` are known, else ``other``."""
        if (system, name) in self._seen:
            return name
        if len(self._seen) >= MAX_OPERATIONS:
            return "other"
        self._seen.add((system, name))
        return name

    def observe(self, system: str, name: str, seconds: float, outcome: str) -> None:
        operation = self.operation(system, name)
        self.operations.labels(system, operation, outcome).inc()
        self.duration.labels(system, operation).observe(seconds)


class MongoMonitor(monitoring.CommandListener, monitoring.ConnectionPoolListener):
    """PyMongo events -> spans and metrics (one per ``AsyncMongoClient``)."""

    system = "mongodb"

    def __init__(self, metrics: DatabaseMetrics, tracer: Tracer | None = None) -> None:
        self.metrics = metrics
        self.tracer = tracer
        self._spans: dict[tuple[int, Any], Any] = {}

    # -- commands ------------------------------------------------------------

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.tracer is None:
            return
        name = event.command_name
        attributes: dict[str, Any] = {
            "db.system.name": self.system,
            "db.namespace": event.database_name,
            "db.operation.name": name,
        }
        collection = event.command.get(name)
        if isinstance(collection, str):
            attributes["db.collection.name"] = collection
        span = self.tracer.start_span(
            f"{name} {collection}" if isinstance(collection, str) else name,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        self._spans[(event.request_id, event.connection_id)] = span

    def _finish(self, event: Any, outcome: str, failure: str | None = None) -> None:
        self.metrics.observe(
            self.system, event.command_name, event.duration_micros / 1_000_000, outcome
        )
        span = self._spans.pop((event.request_id, event.connection_id), None)
        if span is not None:
            if failure is not None:
                span.set_status(Status(StatusCode.ERROR, failure))
            span.end()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finish(event, "ok")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        failure = event.failure.get("codeName") if isinstance(event.failure, dict) else None
        self._finish(event, "error", str(failure or "error"))

    # -- connection pool ---------------------------------------------------------

    def _pool(self, event: Any) -> tuple[str, str]:
        address = event.address
        return self.system, f"{address[0]}:{address[1]}" if address else "unknown"

    def pool_created(self, event: Any) -> None:
        self.metrics.open.labels(*self._pool(event)).set(0)

    def pool_ready(self, event: Any) -> None:
        pass

    def pool_cleared(self, event: Any) -> None:
        pass

    def pool_closed(self, event: Any) -> None:
        pass

    def connection_created(self, event: Any) -> None:
        self.metrics.open.labels(*self._pool(event)).inc()

    def connection_ready(self, event: Any) -> None:
        pass

    def connection_closed(self, event: Any) -> None:
        self.metrics.open.labels(*self._pool(event)).dec()

    def connection_check_out_started(self, event: Any) -> None:
        pass

    def connection_check_out_failed(self, event: Any) -> None:
        self.metrics.checkout_failures.labels(self.system, str(event.reason)).inc()

    def connection_checked_out(self, event: Any) -> None:
        self.metrics.checked_out.labels(*self._pool(event)).inc()

    def connection_checked_in(self, event: Any) -> None:
        self.metrics.checked_out.labels(*self._pool(event)).dec()


class _SqlPoolCollector(Collector):
    """A SQLAlchemy pool's state, read at scrape time."""

    def __init__(self, engine: Any, pool_name: str) -> None:
        self.engine = engine
        self.pool_name = pool_name

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.pool
        system = self.engine.dialect.name
        for metric, help_text, reader in (
            ("db_client_connections_pool_size", "Connections the pool keeps", "size"),
            ("db_client_connections_pool_checked_out", "Connections in use", "checkedout"),
            ("db_client_connections_pool_idle", "Connections idle in the pool", "checkedin"),
            ("db_client_connections_pool_overflow", "Connections beyond the size", "overflow"),
        ):
            read = getattr(pool, reader, None)
            if read is None:
                continue
            family = GaugeMetricFamily(metric, help_text, labels=["system", "pool"])
            family.add_metric([system, self.pool_name], float(read()))
            yield family


def instrument_engine(
    engine: Any,
    metrics: DatabaseMetrics,
    registry: CollectorRegistry,
    pool_name: str,
    tracer: Tracer | None = None,
) -> None:
    """Spans and metrics for a SQLAlchemy engine (an ``AsyncEngine``'s ``sync_engine``).

    SQLAlchemy's asyncio layer runs these synchronous events in a greenlet that
    carries the awaiting task's context, so a statement's span is a child of the
    request's span."""
    from sqlalchemy import event

    system = engine.dialect.name

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any
    ) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        context._gateway_started = (time.perf_counter(), verb)
        if tracer is not None:
            context._gateway_span = tracer.start_span(
                f"{verb} {system}",
                kind=SpanKind.CLIENT,
                attributes={
                    "db.system.name": system,
                    "db.operation.name": verb,
                    "db.query.text": statement[:2000],
                },
            )

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        started = getattr(context, "_gateway_started", None)
        if started is not None:
            metrics.observe(system, started[1], time.perf_counter() - started[0], "ok")
        span = getattr(context, "_gateway_span", None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        started = getattr(context, "_gateway_started", None) if context is not None else None
        if started is not None:
            metrics.observe(system, started[1], time.perf_counter() - started[0], "error")
        span = getattr(context, "_gateway_span", None) if context is not None else None
        if span is not None:
            span.set_status(
                Status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            )
            span.end()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
    registry.register(_SqlPoolCollector(engine, pool_name))
