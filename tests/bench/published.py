"""Figures published elsewhere that the report quotes beside ours, never re-measured here.

Each figure carries where it was published (a link pinned to the commit we read) and
when; the machines, core counts and loads differ from ours, which the report says.
Updating a figure means reading the new source and changing it here, with its date.
"""

from __future__ import annotations

from dataclasses import dataclass

GUILD_README = (
    "https://github.com/graphql-hive/graphql-gateways-benchmark/blob/"
    "73efd344232183f8d4fcb7bc8de8c79443030c49/README.md"
)
GUILD_CONSTANT = (
    "https://github.com/graphql-hive/graphql-gateways-benchmark/blob/"
    "0644190f8d16ba7263ce12cbe7bb63024c16b381/constant-vus-over-time_result.md"
)
GUILD_RAMPING = (
    "https://github.com/graphql-hive/graphql-gateways-benchmark/blob/"
    "007594979f0b915d80d525e3d370ef59a19379b9/federation/scenarios/ramping-vus/README.md"
)
GRAFBASE_REPORT = (
    "https://github.com/grafbase/graphql-federation-benchmarks/blob/"
    "0eccadcda066fcf93053cf11045f474f663c9b97/REPORT.md"
)
RETRIEVED = "2026-12-01"


@dataclass(frozen=True)
class Efficiency:
    """Throughput per core and memory of one gateway in a published run."""

    gateway: str
    scenario: str
    rps: float | None
    cpu_max_pct: float | None
    """Peak CPU of the gateway (100 = one core), as published."""
    requests_per_core_s: float
    """RPS / (CPU / 100): requests per second of one core's CPU time."""
    memory_mb: float
    """Peak memory of the gateway (one process, multi-threaded), as published."""
    source: str
    url: str
    date: str


EFFICIENCY = (
    # graphql-gateways-benchmark's README: its example summary of `make test-all
    # mode=constant` (the heavy operation of our bench, 50 VUs, 60 s); RPS / CPU max.
    Efficiency(
        "Hive Router",
        "heavy operation, 50 VUs (graphql-gateways-benchmark README summary)",
        1826.91,
        166.0,
        1826.91 / 1.66,
        53.0,
        "graphql-gateways-benchmark README",
        GUILD_README,
        f"README at commit 73efd34 (undated example run), retrieved {RETRIEVED}",
    ),
    Efficiency(
        "Apollo Router",
        "heavy operation, 50 VUs (graphql-gateways-benchmark README summary)",
        317.45,
        273.0,
        317.45 / 2.73,
        193.0,
        "graphql-gateways-benchmark README",
        GUILD_README,
        f"README at commit 73efd34 (undated example run), retrieved {RETRIEVED}",
    ),
    # Grafbase's suite, scenario "query" (a dozen subgraph requests per operation, a
    # constant 500 requests/s): requests/core.s and MEM max as published.
    Efficiency(
        "Hive Router",
        'Grafbase "query" scenario, 500 requests/s',
        None,
        50.0,
        998.9,
        170.0,
        "Grafbase graphql-federation-benchmarks REPORT.md",
        GRAFBASE_REPORT,
        "report of 2025-09-05 (Hive Router 0.0.8, Apollo Router 2.6.0)",
    ),
    Efficiency(
        "Apollo Router",
        'Grafbase "query" scenario, 500 requests/s',
        None,
        295.0,
        169.1,
        184.0,
        "Grafbase graphql-federation-benchmarks REPORT.md",
        GRAFBASE_REPORT,
        "report of 2025-09-05 (Hive Router 0.0.8, Apollo Router 2.6.0)",
    ),
)

CONSTANT_RPS = {"Hive Router": 1833.0, "Apollo Router": 366.0}
"""graphql-gateways-benchmark's constant-VUs result (heavy operation, 50 VUs, 60 s),
RPS only: no CPU figure beside it (GUILD_CONSTANT, commit 0644190)."""


@dataclass(frozen=True)
class LargeResponse:
    """Grafbase's big-response case (~8 MiB, one VU): latency, memory, per-core rate."""

    gateway: str
    p50_ms: float
    p99_ms: float
    memory_max_mb: float
    requests_per_core_s: float


LARGE_RESPONSE = (
    LargeResponse("Hive Router", 25.5, 32.3, 178.0, 44.0),
    LargeResponse("Apollo Router", 123.9, 137.5, 569.0, 8.1),
    LargeResponse("Hive Gateway", 161.6, 190.8, 569.0, 4.9),
)
LARGE_RESPONSE_SOURCE = (GRAFBASE_REPORT, "report of 2025-09-05, scenario big-response")

STRESS_APOLLO_ROUTER = {"requests": 11734, "failed": 10, "p95_ms": 7308.0, "max_vus": 2000}
"""graphql-gateways-benchmark's ramping-VUs (stress) scenario, to 2000 VUs over 60 s:
Apollo Router's failed requests (GUILD_RAMPING, commit 0075949)."""
