"""The shared OpenTelemetry set-up: instruments from ``app.state.telemetry`` are
scraped on ``/metrics`` beside the prometheus-client ones, per app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from prometheus_client import CollectorRegistry

from router.config.settings import PluginSpec
from router.pipeline.plugin import Plugin, ResponseOut
from router.telemetry import Telemetry
from tests.e2e.conftest import Gateway

if TYPE_CHECKING:
    from fastapi import FastAPI

    from router.pipeline.context import RequestContext

SUITE = "simple-requires-provides"


class CountsResponses(Plugin):
    """Counts responses with an OpenTelemetry counter taken from the app's meter."""

    def setup(self, app: FastAPI) -> None:
        meter = app.state.telemetry.meter("tests.telemetry")
        self.counter = meter.create_counter("test.responses", description="responses seen")

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        self.counter.add(1, {"status": str(response.status)})


def test_otel_instruments_are_exported_on_metrics(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, plugins=(PluginSpec(f"{__name__}:CountsResponses", ()),))
    for _ in range(3):
        assert gw.post({"query": "{ products { upc } }"}).status_code == 200
    assert gw.post({"query": "{ nope }"}).status_code == 400
    metrics = gw.http.get("/metrics").text
    assert 'test_responses_total{status="200"} 3.0' in metrics
    assert 'test_responses_total{status="400"} 1.0' in metrics
    assert "gateway_http_requests_total" in metrics  # the prometheus-client ones still there


def test_each_app_scrapes_only_its_own_instruments() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    a, b = Telemetry(first, environ={}), Telemetry(second, environ={})
    a.meter("a").create_counter("only.in.first").add(2)
    b.meter("b").create_counter("only.in.second").add(5)
    assert first.get_sample_value("only_in_first_total") == 2.0
    assert first.get_sample_value("only_in_second_total") is None
    assert second.get_sample_value("only_in_second_total") == 5.0
    assert not a.otlp_metrics
    a.shutdown()
    b.shutdown()


def test_otlp_is_enabled_by_the_standard_variable() -> None:
    telemetry = Telemetry(
        CollectorRegistry(),
        environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_SERVICE_NAME": "gw-a"},
    )
    assert telemetry.otlp_metrics
    assert telemetry.service_name == "gw-a"
    telemetry.shutdown()


def test_traces_exporter_follows_the_standard_protocol_variable() -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
        OTLPSpanExporter as GrpcExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    from router.telemetry.tracing import span_exporter

    assert isinstance(span_exporter("otlp", {}), HttpExporter)  # http/protobuf: the default
    grpc = {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    assert isinstance(span_exporter("otlp", grpc), GrpcExporter)
    only_traces = {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}
    assert isinstance(span_exporter("otlp", only_traces), GrpcExporter)
    assert isinstance(span_exporter("console", {}), ConsoleSpanExporter)
    assert span_exporter("none", {}) is None
    with pytest.raises(ValueError, match="otlp, console, none"):
        span_exporter("zipkin", {})


def test_tracing_is_built_only_when_asked() -> None:
    off = Telemetry(CollectorRegistry(), environ={})
    assert off.tracing is None
    on = Telemetry(
        CollectorRegistry(), environ={}, tracing=True, sampling_ratio=0.25, traces_exporter="none"
    )
    assert on.tracing is not None
    sampler = on.tracing.provider.sampler
    assert "ParentBased" in sampler.get_description()
    assert "0.25" in sampler.get_description()
    off.shutdown()
    on.shutdown()
