"""OpenTelemetry set-up, once per app, in one place.

Every instrument the router and its workers create (buffer metrics of usage and
audit, per-operation metrics, ...) comes from ``Telemetry.meter``, so they all share
one ``MeterProvider`` and are exported together:

- on ``GET /metrics`` through the OpenTelemetry Prometheus exporter, into the same
  ``CollectorRegistry`` as the router's prometheus-client metrics (one scrape shows
  both);
- over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the metrics-specific
  ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT``) is set, with
  ``OTEL_EXPORTER_OTLP_PROTOCOL`` choosing ``http/protobuf`` (the default, as the
  OpenTelemetry spec says) or ``grpc``; the exporters read the other standard
  ``OTEL_*`` variables (headers, timeout) themselves.

The provider is per app and never installed as the global one: tests start several
apps in one process, and each must scrape only its own instruments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry

from router.telemetry.tracing import Tracing, span_exporter, tracer_provider

DEFAULT_SERVICE_NAME = "graphql-gateway"


def otlp_endpoint(environ: Mapping[str, str], signal: str) -> str | None:
    """The OTLP endpoint for one signal (``metrics`` or ``traces``), if any is set."""
    return environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )


def otlp_protocol(environ: Mapping[str, str], signal: str) -> str:
    """``grpc`` or ``http/protobuf`` (the spec's default)."""
    return (
        environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )


def _otlp_metric_exporter(environ: Mapping[str, str]) -> MetricExporter:
    """Imported lazily: an app without OTLP never loads gRPC or protobuf code."""
    if otlp_protocol(environ, "metrics") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcExporter,
        )

        return GrpcExporter()
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpExporter,
    )

    return HttpExporter()


class Telemetry:
    """One app's OpenTelemetry providers: metrics always, tracing when asked.

    ``tracing`` is None unless ``tracing=True``: the request path checks that once per
    request and otherwise runs untraced (see ``router.telemetry.tracing``)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        service_name: str | None = None,
        environ: Mapping[str, str] | None = None,
        tracing: bool = False,
        sampling_ratio: float = 1.0,
        traces_exporter: str = "otlp",
    ) -> None:
        env = os.environ if environ is None else environ
        self.service_name = service_name or env.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
        self.resource = Resource.create({"service.name": self.service_name})
        readers: list[MetricReader] = [
            PrometheusMetricReader(
                disable_target_info=True, scope_info_enabled=False, registry=registry
            )
        ]
        self.otlp_metrics = otlp_endpoint(env, "metrics") is not None
        if self.otlp_metrics:
            readers.append(PeriodicExportingMetricReader(_otlp_metric_exporter(env)))
        self.meter_provider = MeterProvider(metric_readers=readers, resource=self.resource)
        self.tracing: Tracing | None = None
        if tracing:
            exporter = span_exporter(traces_exporter, env)
            self.tracing = Tracing(tracer_provider(self.resource, sampling_ratio, exporter))

    def meter(self, name: str) -> Meter:
        """A meter for one component (``router.usage``, ``router.audit``, ...)."""
        return self.meter_provider.get_meter(name)

    def shutdown(self) -> None:
        """Flush OTLP exporters (last values, batched spans) and stop their threads."""
        self.meter_provider.shutdown()
        if self.tracing is not None:
            self.tracing.shutdown()
