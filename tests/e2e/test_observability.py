"""Per-operation metrics and the structured request log, against real subgraphs.

A 200 whose body carries errors (a subgraph down) is an error in the metrics, counted
by code; the log lines are JSON with the request id the client saw."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from router.telemetry.logs import configure_logging
from tests.e2e.conftest import Gateway
from tests.support import free_port

SUITE = "simple-requires-provides"


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    out = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                out.append((dict(sample.labels), sample.value))
    return out


def value(text: str, name: str, **labels: str) -> float:
    return sum(v for found, v in samples(text, name) if labels.items() <= found.items())


def test_a_200_with_errors_counts_as_an_error_by_code(
    gateway_factory: Callable[..., Gateway],
) -> None:
    down = f"http://127.0.0.1:{free_port()}/graphql"
    gw = gateway_factory(SUITE, overrides={"products": down})
    ok = "query Me { me { id } }"
    broken = "query MeAndProducts { me { id } products { name } }"
    for _ in range(2):
        assert "errors" not in gw.query(ok)
    response = gw.post({"query": broken}, headers={"apollographql-client-name": "web"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_REQUEST_FAILED"
    assert gw.post({"query": "{ nope }"}).status_code == 400

    text = gw.http.get("/metrics").text
    requests = "gateway_operation_requests_total"
    assert value(text, requests, operation="Me", outcome="ok") == 2
    assert value(text, requests, operation="Me", outcome="error") == 0
    assert value(text, requests, operation="MeAndProducts", client="web", outcome="error") == 1
    errors = "gateway_graphql_errors_total"
    assert value(text, errors, operation="MeAndProducts", code="SUBGRAPH_REQUEST_FAILED") == 1
    assert value(text, errors, code="GRAPHQL_VALIDATION_FAILED") == 1
    # the HTTP view alone would have called the failed request a success
    assert value(text, "gateway_http_requests_total", status="200") == 3
    hashes = {labels["hash"] for labels, _ in samples(text, requests) if labels["operation"]}
    assert all(len(h) == 16 for h in hashes)
    assert value(text, "gateway_operation_duration_seconds_count", operation="Me") == 2
    assert value(text, "gateway_subgraph_errors_total", subgraph="products") == 1
    assert value(text, "gateway_subgraph_response_bytes_total", subgraph="accounts") > 0
    assert samples(text, "gateway_subgraph_requests_in_flight")  # read at scrape time
    assert value(text, "gateway_operation_cache_misses_total") >= 3


def test_operation_label_sets_are_bounded(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, max_operation_labels=3)
    for index in range(6):
        assert "errors" not in gw.query(f"query Op{index} {{ me {{ id }} }}")
    text = gw.http.get("/metrics").text
    found = samples(text, "gateway_operation_requests_total")
    names = {labels["operation"] for labels, _ in found}
    assert names == {"Op0", "Op1", "Op2", "other"}
    assert value(text, "gateway_operation_requests_total", operation="other", outcome="ok") == 3


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger in JSON into a buffer (what a shipper reads off a pipe)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_access_log_lines_are_json(
    gateway_factory: Callable[..., Gateway], json_log: io.StringIO
) -> None:
    gw = gateway_factory(SUITE, access_log=True)
    response = gw.post({"query": "query Me { me { id } }"}, headers={"x-request-id": "req-abc.1"})
    assert response.status_code == 200
    lines = [line for line in _lines(json_log) if line.get("request_id") == "req-abc.1"]
    assert len(lines) == 1, json_log.getvalue()
    (line,) = lines
    assert line["logger"] == "router.requests"
    assert line["level"] == "info"
    assert line["message"] == "request"
    assert line["status"] == 200
    assert line["operation_name"] == "Me"
    assert isinstance(line["operation_hash"], str) and len(line["operation_hash"]) == 64
    assert isinstance(line["duration_ms"], float)
    assert isinstance(line["ts"], str) and line["ts"].endswith("Z")


def test_subgraph_failures_are_logged_without_the_access_log(
    gateway_factory: Callable[..., Gateway], json_log: io.StringIO
) -> None:
    down = f"http://127.0.0.1:{free_port()}/graphql"
    gw = gateway_factory(SUITE, overrides={"products": down})
    assert (
        gw.post({"query": "{ me { id } }"}, headers={"x-request-id": "fine-1"}).status_code == 200
    )
    assert gw.post({"query": "{ nope }"}, headers={"x-request-id": "client-1"}).status_code == 400
    got = gw.post({"query": "{ products { name } }"}, headers={"x-request-id": "broken-1"})
    assert got.status_code == 200
    logged = {line.get("request_id"): line for line in _lines(json_log)}
    assert "fine-1" not in logged and "client-1" not in logged  # no access log: quiet
    line = logged["broken-1"]
    assert line["level"] == "warning"
    assert line["error_codes"] == ["SUBGRAPH_REQUEST_FAILED"]
    assert line["subgraph_errors"] == ["products:SUBGRAPH_REQUEST_FAILED"]


def test_console_format_is_key_value() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("info", "console", stream)
        logging.getLogger("router.test").info(
            "hello", extra={"request_id": "r1", "status": 200, "note": "two words"}
        )
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    line = stream.getvalue().strip()
    assert " INFO " in line and "router.test hello" in line
    assert 'request_id=r1 status=200 note="two words"' in line


def _traceparents(gw: Gateway) -> list[str]:
    found = []
    for server in gw.subgraphs.servers.values():
        for headers in getattr(server, "request_headers", []):
            found.append(headers.get("traceparent", ""))
    return found


@pytest.mark.parametrize(
    ("settings", "sampled"),
    [
        ({}, None),
        ({"tracing": True, "trace_sampling_ratio": 0.0}, False),
        ({"tracing": True, "trace_sampling_ratio": 1.0}, True),
    ],
    ids=["off", "sampled-out", "sampled"],
)
def test_traceparent_reaches_every_subgraph(
    gateway_factory: Callable[..., Gateway], settings: dict[str, object], sampled: bool | None
) -> None:
    gw = gateway_factory(SUITE, traces_exporter="none", **settings)
    assert "errors" not in gw.query("{ me { id } products { name inStock reviews { id } } }")
    sent = _traceparents(gw)
    assert len(sent) >= 3
    if sampled is None:  # tracing off: nothing added to subgraph requests
        assert sent == [""] * len(sent)
        return
    parts = [t.split("-") for t in sent]
    assert all(len(p) == 4 and p[0] == "00" for p in parts), sent
    assert len({p[1] for p in parts}) == 1  # one trace for the whole request
    assert all(bool(int(p[3], 16) & 1) is sampled for p in parts), sent  # the sampled bit
    # sampled: each fetch is its own span; sampled out: all carry the request's span
    assert len({p[2] for p in parts}) == (len(parts) if sampled else 1)
