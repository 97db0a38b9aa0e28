"""Schema checks in the registry: what a proposed service SDL would change, and
whether the registry lets it through.

The check is ``planner.checks`` (pure); this module feeds it the current supergraph,
the proposed set of subgraphs and the operations clients sent in the last
``checks.window_days`` days, from a `SeenOperationsSource` the app injects (usage
recording provides one; without one the check is schema-level only and informs). A
change that breaks an operation seen in the window is refused with
``BREAKING_CHANGE`` (409) unless the caller forces it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from planner import Supergraph
from planner.checks import CheckReport, Operation, check_subgraphs
from planner.compose import Subgraph
from router.registry.errors import RegistryError

MAX_OPERATIONS = 2000
"""Most recorded operations one check plans (the busiest first): a change waits for
its check while holding the registry's lock."""


class SeenOperation(NamedTuple):
    """One operation clients sent, as usage recording reports it."""

    name: str | None
    document: str
    requests: int


class SeenOperationsSource(Protocol):
    """The operations seen since a moment (most used first is nice, not required).

    Sync or async: usage recording reads a database, a test returns a list."""

    def __call__(
        self, since: datetime
    ) -> Sequence[SeenOperation] | Awaitable[Sequence[SeenOperation]]: ...


class BreakingChange(RegistryError):
    """The proposal fails its check; ``report`` says why (the admin API returns it)."""

    def __init__(self, report: CheckReport) -> None:
        ops = report.operations
        if ops is not None and ops.broken:
            names = ", ".join(b.name or "(anonymous)" for b in ops.broken[:5])
            message = (
                f"The change breaks {len(ops.broken)} operation(s) seen recently: {names}. "
                "Send ?force=true to apply it anyway."
            )
        else:
            message = (
                f"The change has {_breaking(report)} breaking schema change(s). "
                "Send ?force=true to apply it anyway."
            )
        super().__init__("BREAKING_CHANGE", message)
        self.report = report


def _breaking(report: CheckReport) -> int:
    return sum(1 for c in report.changes if c.severity.value == "BREAKING")


def summary(report: CheckReport) -> dict[str, Any]:
    """What the audit log keeps of a report: counts, and what broke."""
    body = report.to_json()
    ops = report.operations
    return {
        **body["summary"],
        "breaking_changes": [
            c["coordinate"] for c in body["changes"] if c["severity"] == "BREAKING"
        ][:50],
        "broken_operations": [b.name for b in ops.broken][:50] if ops is not None else None,
    }


class SchemaChecker:
    """Runs checks for the registry (off the event loop)."""

    def __init__(
        self, source: SeenOperationsSource | None, window_days: float, time_budget: float | None
    ) -> None:
        self.source = source
        self.window_days = window_days
        self.time_budget = time_budget

    async def operations(self) -> list[Operation] | None:
        """The operations of the window, or None (schema-level check) without a source."""
        if self.source is None:
            return None
        since = datetime.now(UTC) - timedelta(days=self.window_days)
        seen = self.source(since)
        if inspect.isawaitable(seen):
            seen = await seen
        busiest = sorted(seen, key=lambda op: -op.requests)[:MAX_OPERATIONS]
        return [Operation(op.document, name=op.name, requests=op.requests) for op in busiest]

    async def check(
        self,
        current: Supergraph,
        proposed: Sequence[Subgraph],
        changed: Sequence[str],
    ) -> CheckReport:
        operations = await self.operations()
        return await asyncio.to_thread(
            check_subgraphs,
            current,
            list(proposed),
            operations,
            subgraphs=list(changed),
            time_budget=self.time_budget,
        )
