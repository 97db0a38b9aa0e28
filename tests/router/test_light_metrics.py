"""The lock-free counters and histograms expose exactly what ``prometheus_client``'s
own would for the same observations (its ``_created`` samples aside)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from router.telemetry.light_metrics import LightCounter, LightHistogram

BUCKETS = (0.001, 0.005, 0.01, 0.1, 1, 2.5, 30)
OBSERVED = (0.0, 0.001, 0.0011, 0.005, 0.07, 0.1, 1, 2.4999, 29.9, 31, 1000)


def _exposition(registry: CollectorRegistry) -> list[str]:
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if "_created" not in line]


def test_same_exposition_as_prometheus_client() -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    for registry, counter, histogram in (
        (theirs, Counter, Histogram),
        (ours, LightCounter, LightHistogram),
    ):
        requests = counter("demo_requests", "Requests", ["status"], registry=registry)
        total = counter("demo_total_bytes", "Bytes", registry=registry)
        latency = histogram(
            "demo_seconds", "Latency", ["route"], buckets=BUCKETS, registry=registry
        )
        plain = histogram("demo_plain_seconds", "Plain", buckets=BUCKETS, registry=registry)
        for index, value in enumerate(OBSERVED):
            requests.labels("200" if index % 3 else "500").inc()
            total.inc(value * 10)
            latency.labels("a" if index % 2 else "b").observe(value)
            plain.observe(value)
    assert _exposition(ours) == _exposition(theirs)
