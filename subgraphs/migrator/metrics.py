"""Migration metrics: runs and steps by outcome, and how long they took.

A migration run is a short command (``records migrate up``), over before any scraper
comes by, so its metrics are written where a collector picks them up after it exits:
``--metrics-file PATH`` (or ``MIGRATION_METRICS_FILE``) writes them in the Prometheus
text format for node_exporter's textfile collector (written atomically, after the run,
failed runs included). A long-lived process can pass its own registry instead.

Names: ``migration_runs_total{direction,outcome}`` (one ``up``/``down`` command),
``migration_run_duration_seconds{direction}``, ``migration_steps_total{direction,
outcome}`` (one migration applied or reverted), ``migration_step_duration_seconds
{direction}`` and ``migration_last_run_timestamp_seconds{outcome}``.
"""

from __future__ import annotations

import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, write_to_textfile

_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)


class MigrationMetrics:
    """The migrator's instruments, in their own registry unless one is given."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.runs = Counter(
            "migration_runs",
            "Migration runs (one up or down command) by outcome",
            ["direction", "outcome"],
            registry=self.registry,
        )
        self.run_seconds = Histogram(
            "migration_run_duration_seconds",
            "Duration of a migration run",
            ["direction"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.steps = Counter(
            "migration_steps",
            "Migrations applied or reverted, by outcome",
            ["direction", "outcome"],
            registry=self.registry,
        )
        self.step_seconds = Histogram(
            "migration_step_duration_seconds",
            "Duration of one migration step",
            ["direction"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.last_run = Gauge(
            "migration_last_run_timestamp_seconds",
            "When the last run ended (Unix time), by outcome",
            ["outcome"],
            registry=self.registry,
        )

    def step(self, direction: str, seconds: float, ok: bool) -> None:
        self.steps.labels(direction, "success" if ok else "failure").inc()
        self.step_seconds.labels(direction).observe(seconds)

    def run(self, direction: str, seconds: float, ok: bool) -> None:
        outcome = "success" if ok else "failure"
        self.runs.labels(direction, outcome).inc()
        self.run_seconds.labels(direction).observe(seconds)
        self.last_run.labels(outcome).set(time.time())

    def write(self, path: Path) -> None:
        """The Prometheus text file (node_exporter's textfile collector reads ``*.prom``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), self.registry)
