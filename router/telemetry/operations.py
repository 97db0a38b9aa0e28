"""Per-operation metrics: requests, GraphQL errors by code, duration.

Labels are ``operation`` (the operation's name, ``""`` when anonymous or unknown),
``hash`` (the first 16 hex digits of the document's sha256: two documents with one
name stay apart) and ``client`` (the caller's id from an auth plugin, else the
``apollographql-client-name`` header, else ``""``).

**An error is an error whatever the HTTP status.** A 200 whose body carries GraphQL
errors (a subgraph down, a field refused) counts under ``outcome="error"`` and each
distinct ``extensions.code`` of its errors once under ``gateway_graphql_errors_total``
(a response with 50 entity errors of one code counts once: the metric answers "how
many requests hit this code", which is what error rates divide).

**Cardinality is bounded.** Clients choose operation names and documents, so the
number of label sets is capped at ``max_operation_labels`` (router.yaml
``telemetry.max_operation_labels``, 200 by default): the first label sets seen keep
their own series, every later one is counted under ``operation="other"``,
``hash="other"``, ``client="other"``. First-come rather than top-N, because moving a
series between "top" and "other" would make its counter go backwards, which
Prometheus reads as a reset. Label values are cut to 64 characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from router.telemetry.light_metrics import LightCounter, LightHistogram

if TYPE_CHECKING:
    from router.pipeline.context import RequestContext

OTHER = ("other", "other", "other")
CLIENT_NAME_HEADER = "apollographql-client-name"
MAX_LABEL_LENGTH = 64
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Series:
    """The labelled children of one label set, looked up once."""

    __slots__ = ("codes", "duration", "error", "labels", "ok")

    def __init__(self, metrics: OperationMetrics, labels: tuple[str, str, str]) -> None:
        self.labels = labels
        self.ok = metrics.requests.labels(*labels, "ok")
        self.error = metrics.requests.labels(*labels, "error")
        self.duration = metrics.duration.labels(*labels)
        self.codes: dict[str, Any] = {}


class OperationMetrics:
    """The per-operation instruments of one app (created by the metrics plugin)."""

    def __init__(self, registry: CollectorRegistry, max_label_sets: int = 200) -> None:
        self.max_label_sets = max(1, max_label_sets)
        self.requests = LightCounter(
            "gateway_operation_requests",
            "GraphQL requests by operation and outcome (error: any GraphQL error or a "
            "status of 400 or more, whatever the HTTP status)",
            ["operation", "hash", "client", "outcome"],
            registry=registry,
        )
        self.errors = LightCounter(
            "gateway_graphql_errors",
            "Responses carrying GraphQL errors, once per distinct extensions.code",
            ["operation", "hash", "client", "code"],
            registry=registry,
        )
        self.duration = LightHistogram(
            "gateway_operation_duration_seconds",
            "GraphQL request duration by operation",
            ["operation", "hash", "client"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self._series: dict[tuple[str | None, str | None, str], _Series] = {}
        self._other: _Series | None = None

    def series(self, name: str | None, digest: str | None, client: str) -> _Series:
        key = (name, digest, client)
        found = self._series.get(key)
        if found is not None:
            return found
        if len(self._series) >= self.max_label_sets:
            if self._other is None:
                self._other = _Series(self, OTHER)
            return self._other
        labels = (
            (name or "")[:MAX_LABEL_LENGTH],
            (digest or "")[:16],
            client[:MAX_LABEL_LENGTH],
        )
        found = self._series[key] = _Series(self, labels)
        return found

    def observe(
        self, ctx: RequestContext, status: int, errors: Any, seconds: float
    ) -> list[str] | None:
        """Count one request; returns its distinct error codes (None without errors)."""
        identity = ctx.client
        if identity is not None:
            client = identity.id
        else:
            client = ctx.http.headers.get(CLIENT_NAME_HEADER) or ""
        series = self.series(ctx.operation_name, ctx.operation_hash, client)
        series.duration.observe(seconds)
        if not errors and status < 400:
            series.ok.inc()
            return None
        series.error.inc()
        codes: list[str] = []
        if isinstance(errors, list):
            for error in errors:
                extensions = error.get("extensions") if isinstance(error, dict) else None
                code = extensions.get("code") if isinstance(extensions, dict) else None
                text = str(code)[:MAX_LABEL_LENGTH] if code else "UNCODED"
                if text not in codes:
                    codes.append(text)
        for code in codes:
            counter = series.codes.get(code)
            if counter is None:
                if len(series.codes) >= 32:  # codes are the router's, and subgraphs'
                    code = "OTHER"
                    counter = series.codes.get(code)
                if counter is None:
                    counter = series.codes[code] = self.errors.labels(*series.labels, code)
            counter.inc()
        ctx.extensions["error_codes"] = codes
        return codes
