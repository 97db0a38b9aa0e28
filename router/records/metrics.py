"""The four OpenTelemetry instruments of a buffered writer, labelled by service.

``buffer.size`` (gauge, read when exported), ``buffer.flush.duration.ms``
(histogram), ``buffer.flush.rows`` and ``buffer.flush.failures`` (counters), each
with ``service="usage"`` or ``service="audit"``. They come from the app's one
``MeterProvider`` (``app.state.telemetry``, router/telemetry/otel.py), so they are
on ``/metrics`` beside the other metrics and go out over OTLP when it is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation


class BufferMetrics:
    def __init__(self, meter: Meter | None, service: str, size: Callable[[], int]) -> None:
        self.labels = {"service": service}
        self._size = size
        self._rows: Any = None
        self._failures: Any = None
        self._duration: Any = None
        if meter is None:  # no telemetry (a bare worker without an app): count nothing
            return
        meter.create_observable_gauge(
            "buffer.size",
            callbacks=[self._observe],
            description="Rows waiting in memory to be written",
        )
        self._duration = meter.create_histogram(
            "buffer.flush.duration.ms", description="Milliseconds one flush took"
        )
        self._rows = meter.create_counter("buffer.flush.rows", description="Rows written")
        self._failures = meter.create_counter(
            "buffer.flush.failures", description="Flushes that failed (their rows are retried)"
        )
        self._rows.add(0, self.labels)  # every series exists from the start: alerts need it
        self._failures.add(0, self.labels)

    def _observe(self, _: CallbackOptions) -> Iterable[Observation]:
        return [Observation(self._size(), self.labels)]

    def flushed(self, rows: int, duration_ms: float) -> None:
        if self._rows is not None:
            self._rows.add(rows, self.labels)
            self._duration.record(duration_ms, self.labels)

    def failed(self, duration_ms: float) -> None:
        if self._failures is not None:
            self._failures.add(1, self.labels)
            self._duration.record(duration_ms, self.labels)
