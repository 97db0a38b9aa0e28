"""The services' own telemetry against real servers: ``/metrics`` of records and
categories (HTTP, database commands, pools), and the PyMongo monitor's spans below
the caller's span on the embedded MongoDB server."""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient

from router.telemetry.database import DatabaseMetrics, MongoMonitor
from router.telemetry.tracing import tracer_provider
from tests.subgraphs.servers import GraphQLClient


def _value(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


async def test_records_metrics(records: GraphQLClient) -> None:
    body = await records('{ recordBySku(sku: "nope") { sku } }')
    assert body["data"] == {"recordBySku": None}
    async with httpx.AsyncClient(base_url=records.base_url) as http:
        text = (await http.get("/metrics")).text
    assert _value(text, "subgraph_http_requests_total", service="records", path="/graphql") >= 1
    assert _value(text, "db_client_operations_total", system="mongodb", operation="find") >= 1
    assert _value(text, "db_client_connections_open", system="mongodb") >= 1
    assert _value(text, "db_client_connections_checked_out", system="mongodb") == 0  # all back
    # an unknown path is one label, not one per path a scanner tries
    async with httpx.AsyncClient(base_url=records.base_url) as http:
        await http.get("/wp-admin/x")
        text = (await http.get("/metrics")).text
    assert _value(text, "subgraph_http_requests_total", path="other", status="404") == 1


async def test_categories_metrics(categories: GraphQLClient) -> None:
    body = await categories('{ categoryBySlug(slug: "none") { slug } }')
    assert body["data"] == {"categoryBySlug": None}
    async with httpx.AsyncClient(base_url=categories.base_url) as http:
        text = (await http.get("/metrics")).text
    assert _value(text, "db_client_operations_total", system="sqlite", operation="SELECT") >= 1
    assert _value(text, "db_client_connections_pool_checked_out", pool="categories") == 0
    assert "db_client_connections_pool_size" in text


async def test_mongo_commands_are_child_spans(mongo_uri: str) -> None:
    exporter = InMemorySpanExporter()
    provider = tracer_provider(Resource.create({"service.name": "t"}), 1.0, None)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    registry = CollectorRegistry()
    monitor = MongoMonitor(DatabaseMetrics(registry), tracer)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_uri, event_listeners=[monitor], tz_aware=True
    )
    try:
        with tracer.start_as_current_span("request") as parent:
            await client["obs_test"]["things"].insert_one({"a": 1})
            assert await client["obs_test"]["things"].find_one({"a": 1}) is not None
        await client.drop_database("obs_test")
    finally:
        await client.close()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    found = spans["find things"]
    assert found.parent is not None and found.parent.span_id == parent.get_span_context().span_id
    assert found.kind is trace.SpanKind.CLIENT
    attributes = found.attributes or {}
    assert attributes["db.system.name"] == "mongodb"
    assert attributes["db.namespace"] == "obs_test"
    assert attributes["db.collection.name"] == "things"
    assert "insert things" in spans
    assert (
        registry.get_sample_value(
            "db_client_operations_total",
            {"system": "mongodb", "operation": "insert", "outcome": "ok"},
        )
        == 1.0
    )
