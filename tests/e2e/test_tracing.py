"""One trace from the client through the router to a real subgraph process and its
database: the router's spans (kept by an in-memory exporter) and the categories
service's spans (exported over OTLP/HTTP to a receiver in this test) link up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from subgraphs.devstack import compose_supergraph
from tests.e2e.harness import RouterThread
from tests.e2e.otlp_receiver import OtlpReceiver, Span
from tests.support import free_port

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
QUERY = '{ categoryBySlug(slug: "apparel") { slug name } categories { slug } }'


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    found = OtlpReceiver()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def categories(tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver) -> Iterator[str]:
    """The categories service as its own process, exporting spans to ``receiver``."""
    port = free_port()
    data = tmp_path_factory.mktemp("categories")
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{data / 'c.sqlite3'}",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "OTEL_SERVICE_NAME": "categories",
        "GATEWAY_LOG_FORMAT": "json",
    }
    for name in ("NATS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "subgraphs.categories"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "categories did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def _router(tmp_path: Path, categories: str, **settings: Any) -> RouterThread:
    sdl = httpx.post(categories + "/graphql", json={"query": "{ _service { sdl } }"}).json()
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(
        compose_supergraph(
            {"categories": categories + "/graphql"},
            {"categories": sdl["data"]["_service"]["sdl"]},
        )
    )
    return RouterThread(supergraph, tracing=True, traces_exporter="none", **settings)


def _memory(router: RouterThread) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    tracing = router.app.state.telemetry.tracing
    assert tracing is not None
    tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def _hex(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, list[ReadableSpan]]:
    out: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        out.setdefault(span.name, []).append(span)
    return out


def _parent(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_one_trace_from_client_to_database(
    tmp_path: Path, categories: str, receiver: OtlpReceiver
) -> None:
    router = _router(tmp_path, categories)
    exporter = _memory(router)
    try:
        for attempt in range(2):  # the first compiles (parse/validate/plan); the second hits
            response = httpx.post(
                router.url + "/graphql",
                json={"query": QUERY},
                headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
            )
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
            if attempt == 0:
                first = exporter.get_finished_spans()
                exporter.clear()
        second = exporter.get_finished_spans()
    finally:
        router.stop()

    spans = _by_name(first)
    (request,) = spans["router.request"]
    # The client's trace continues: same trace id, the client's span is the parent.
    assert _hex(request.context.trace_id, 32) == CLIENT_TRACE
    assert _hex(_parent(request) or 0, 16) == CLIENT_SPAN
    assert request.kind is SpanKind.SERVER
    attributes = request.attributes or {}
    assert attributes["http.request.method"] == "POST"
    assert attributes["http.response.status_code"] == 200
    assert attributes["graphql.operation.type"] == "query"
    for name in ("operation.parse", "operation.validate", "operation.plan", "execute"):
        (stage,) = spans[name]
        assert _parent(stage) == request.context.span_id, name
    assert (spans["operation.plan"][0].attributes or {})["graphql.plan.cache_hit"] is False
    (shape,) = spans["response.shape"]
    assert _parent(shape) == request.context.span_id
    (fetch,) = spans["subgraph.fetch"]
    assert _parent(fetch) == spans["execute"][0].context.span_id
    assert fetch.kind is SpanKind.CLIENT
    fetch_attributes = fetch.attributes or {}
    assert fetch_attributes["subgraph.name"] == "categories"
    assert fetch_attributes["subgraph.fetch.kind"] == "root"
    assert fetch_attributes["subgraph.outcome"] == "ok"
    assert all(s.context.trace_id == request.context.trace_id for s in first)

    again = _by_name(second)
    assert "operation.parse" not in again  # served from the cache
    assert (again["operation.plan"][0].attributes or {})["graphql.plan.cache_hit"] is True

    # The subgraph process: its server span is a child of the router's fetch span, and
    # its SQL statements are below it, in the same trace.
    fetch_id = _hex(fetch.context.span_id, 16)

    def linked(found: list[Span]) -> bool:
        return any(
            s.attributes.get("db.system.name") and _descends(found, s, fetch_id) for s in found
        )

    exported = receiver.wait_for(linked)
    in_trace = [s for s in exported if s.trace_id == CLIENT_TRACE]
    servers = [s for s in in_trace if s.parent_id == fetch_id]
    assert servers, exported
    assert servers[0].service == "categories"
    assert servers[0].kind == 2  # SPAN_KIND_SERVER
    # (the second request's statements hang below its own fetch and server spans)
    database = [
        s
        for s in in_trace
        if s.attributes.get("db.system.name") == "sqlite"
        and _descends(in_trace, s, servers[0].span_id)
    ]
    assert database, in_trace
    assert {s.attributes["db.operation.name"] for s in database} >= {"SELECT"}
    assert all(s.kind == 3 for s in database)  # SPAN_KIND_CLIENT


def _descends(spans: list[Span], span: Span, ancestor: str) -> bool:
    """Whether ``ancestor`` is on ``span``'s parent chain (within ``spans``)."""
    ids = {s.span_id: s for s in spans}
    for _ in range(50):
        if span.parent_id == ancestor:
            return True
        parent = ids.get(span.parent_id)
        if parent is None:
            return False
        span = parent
    return False


def test_sampling_zero_records_nothing_but_still_propagates(
    tmp_path: Path, categories: str
) -> None:
    router = _router(tmp_path, categories, trace_sampling_ratio=0.0)
    exporter = _memory(router)
    try:
        plain = httpx.post(router.url + "/graphql", json={"query": QUERY})
        assert plain.status_code == 200
        assert exporter.get_finished_spans() == ()
        # Parent-based: a client's sampled trace is recorded whatever the ratio.
        sampled = httpx.post(
            router.url + "/graphql",
            json={"query": QUERY},
            headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
        )
        assert sampled.status_code == 200
        names = {s.name for s in exporter.get_finished_spans()}
        assert {"router.request", "execute", "subgraph.fetch"} <= names
    finally:
        router.stop()


def test_tracing_off_builds_no_tracer(tmp_path: Path, categories: str) -> None:
    sdl = httpx.post(categories + "/graphql", json={"query": "{ _service { sdl } }"}).json()
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(
        compose_supergraph(
            {"categories": categories + "/graphql"},
            {"categories": sdl["data"]["_service"]["sdl"]},
        )
    )
    router = RouterThread(supergraph)
    try:
        assert router.app.state.telemetry.tracing is None
        response = httpx.post(
            router.url + "/graphql",
            json={"query": QUERY},
            headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
        )
        assert response.status_code == 200
    finally:
        router.stop()
