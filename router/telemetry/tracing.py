"""OpenTelemetry tracing of the request path; built only when tracing is on.

With tracing off (the default) the app holds no ``Tracing`` object: the endpoint and
the executor test one ``None`` and run exactly the untraced code — no span objects,
no context attached. With it on, one request is one trace branch:

``router.request`` (SERVER; the client's W3C ``traceparent`` is its parent)
  ``operation.parse`` / ``operation.validate`` / ``operation.plan`` — on a cache miss,
  from the times the compile step recorded; on a hit one ``operation.plan`` span
  with ``graphql.plan.cache_hit`` true
  ``execute``
    ``subgraph.fetch`` (CLIENT) per fetch: subgraph, fetch kind, entity count,
    outcome; its ``traceparent`` goes to the subgraph, so the subgraph's own spans
    (and its database's) join the trace
  ``response.shape``

Attribute names follow OpenTelemetry's semantic conventions (``http.request.method``,
``http.response.status_code``, ``url.path``, ``graphql.operation.name``,
``graphql.operation.type``, ``server.address``); router-specific ones are
``gateway.*``/``subgraph.*``.

Sampling is parent-based: a client's sampled flag decides for its trace; new traces
are kept with ``sampling_ratio``. A sampled-out request makes its one non-recording
``router.request`` span and nothing else: its stages run the untraced code, and
every subgraph fetch carries that span's ``traceparent`` (sampled flag off), so the subgraphs
do not sample it either. A subgraph fetch shared with an identical in-flight
fetch of another request carries the first request's ``traceparent`` (sharing is by
body and forwarded headers, and the trace header is deliberately not part of that key).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from planner.plan import BatchFetch, Fetch
from router.errors import RequestError
from router.operation.prepare import operation_key

if TYPE_CHECKING:
    from starlette.responses import Response

    from router.execution.subgraph_client import SubgraphResponse
    from router.operation.prepare import CompiledOperation
    from router.pipeline.context import RequestContext
    from router.state import GatewayState

EXPORTERS = ("otlp", "console", "none")
_PROPAGATOR = TraceContextTextMapPropagator()


def span_exporter(name: str, environ: Mapping[str, str]) -> SpanExporter | None:
    """The exporter ``name`` stands for; OTLP reads the standard ``OTEL_EXPORTER_OTLP_*``
    variables itself (endpoint, headers, timeout), and its protocol is chosen here."""
    from router.telemetry.otel import otlp_protocol

    if name == "none":
        return None
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"traces exporter must be one of {', '.join(EXPORTERS)}, not {name!r}")
    if otlp_protocol(environ, "traces") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter()


def tracer_provider(
    resource: Resource, sampling_ratio: float, exporter: SpanExporter | None
) -> TracerProvider:
    """A provider with the parent-based ratio sampler and a batching exporter."""
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(sampling_ratio))
    )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_headers() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span, for an outgoing request."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def fetch_kind(fetch: Fetch | BatchFetch) -> str:
    if isinstance(fetch, BatchFetch):
        return "entities_batch"
    return "root" if fetch.requires is None else "entities"


def entity_count(fetch: Fetch | BatchFetch, variables: Mapping[str, Any]) -> int:
    if isinstance(fetch, BatchFetch):
        return sum(len(variables.get(f"r{i}") or ()) for i in range(len(fetch.batches)))
    return len(variables.get("representations") or ())


class Tracing:
    """The tracer of one app and the traced versions of the pipeline's stages."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("router")

    # -- router.request --------------------------------------------------------

    async def request(
        self, ctx: RequestContext, answer: Callable[[RequestContext], Awaitable[Response]]
    ) -> Response:
        """Run ``answer`` inside the ``router.request`` span (the client's trace)."""
        request = ctx.http
        parent = _PROPAGATOR.extract(request.headers)
        span = self.tracer.start_span("router.request", context=parent, kind=SpanKind.SERVER)
        recording = span.is_recording()
        if recording:
            span.set_attributes(
                {
                    "http.request.method": request.method,
                    "url.path": request.url.path,
                    "url.scheme": request.url.scheme,
                    "gateway.request_id": ctx.request_id,
                }
            )
            agent = request.headers.get("user-agent")
            if agent:
                span.set_attribute("user_agent.original", agent)
            if request.client is not None:
                span.set_attribute("client.address", request.client.host)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            response = await answer(ctx)
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        else:
            if recording:
                self._finish_request(span, ctx, response.status_code)
            return response
        finally:
            otel_context.detach(token)
            span.end()

    def _finish_request(self, span: Any, ctx: RequestContext, status: int) -> None:
        span.set_attribute("http.response.status_code", status)
        if ctx.operation_name:
            span.set_attribute("graphql.operation.name", ctx.operation_name)
        if ctx.operation_kind:
            span.set_attribute("graphql.operation.type", ctx.operation_kind)
        if ctx.operation_hash:
            span.set_attribute("gateway.operation.hash", ctx.operation_hash)
        if ctx.client is not None:
            span.set_attribute("gateway.client.id", ctx.client.id)
        codes = ctx.extensions.get("error_codes")
        if codes:
            span.set_attribute("graphql.error.codes", sorted(set(codes)))
            span.set_attribute("graphql.errors.count", len(codes))
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
        elif codes:
            span.set_status(Status(StatusCode.ERROR, "GraphQL errors"))

    @staticmethod
    def recording() -> bool:
        """Whether the current (request) span is sampled: the stages below it are
        traced only then."""
        return trace.get_current_span().is_recording()

    # -- operation.parse / validate / plan --------------------------------------

    async def prepare(
        self, state: GatewayState, query: str, operation_name: str | None
    ) -> CompiledOperation:
        """``state.prepare_async`` with its spans: the compile stages on a miss, one
        ``operation.plan`` span on a hit."""
        started = time.time_ns()
        hit = operation_key(query, operation_name) in state.operations
        try:
            prepared = await state.prepare_async(query, operation_name)
        except RequestError as exc:
            span = self.tracer.start_span("operation.prepare", start_time=started)
            code = exc.errors[0].get("extensions", {}).get("code") if exc.errors else None
            span.set_attribute("graphql.plan.cache_hit", hit)
            if code:
                span.set_attribute("graphql.error.code", str(code))
            span.set_status(Status(StatusCode.ERROR, str(code or "refused")))
            span.end()
            raise
        if hit or not prepared.stages:
            span = self.tracer.start_span("operation.plan", start_time=started)
            span.set_attribute("graphql.plan.cache_hit", True)
            span.end()
            return prepared
        for name, begin, end in prepared.stages:
            span = self.tracer.start_span(name, start_time=begin)
            if name == "operation.plan":
                span.set_attribute("graphql.plan.cache_hit", False)
            span.end(end_time=end)
        return prepared

    # -- execute / subgraph.fetch / response.shape ---------------------------------

    def span(self, name: str) -> Any:
        """A child span of the current one, made current (a context manager)."""
        return self.tracer.start_as_current_span(name)

    async def fetch(
        self,
        fetch: Fetch | BatchFetch,
        url: str,
        variables: dict[str, Any],
        send: Callable[[Mapping[str, str]], Awaitable[SubgraphResponse]],
    ) -> SubgraphResponse:
        """One ``subgraph.fetch`` span around ``send``, which gets the trace headers."""
        with self.tracer.start_as_current_span(
            "subgraph.fetch", kind=SpanKind.CLIENT, record_exception=True
        ) as span:
            recording = span.is_recording()
            if recording:
                span.set_attributes(
                    {
                        "subgraph.name": fetch.service_name,
                        "subgraph.fetch.kind": fetch_kind(fetch),
                        "subgraph.entities.count": entity_count(fetch, variables),
                        "http.request.method": "POST",
                        "url.full": url,
                    }
                )
            response = await send(trace_headers())
            if recording:
                if response.failure is not None:
                    code = str(response.failure.get("extensions", {}).get("code", "error"))
                    span.set_attribute("subgraph.outcome", code)
                    span.set_status(Status(StatusCode.ERROR, code))
                else:
                    span.set_attribute("subgraph.outcome", "ok")
                    if response.errors:
                        span.set_attribute("graphql.errors.count", len(response.errors))
            return response

    def shutdown(self) -> None:
        """Export what is batched and stop the exporter thread."""
        self.provider.shutdown()
