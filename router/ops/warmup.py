"""Plan warm-up: a new supergraph goes live with the busiest operations already planned.

Without it, the first requests after a reload (file change, registry version) all pay a
cold parse, validate and plan at once: a latency spike exactly when the graph changes.
Like Apollo Router's warmed-up queries, the operations the old state used most recently
(its prepared-operation LRU, newest first, at most ``plan_warmup_max_operations``) are
prepared against the new state before the swap, within ``plan_warmup_budget_s``.

Both run on the event loop: `recent_operations` reads the old state's cache, which
requests update there, and `warm_up` prepares one operation at a time and then sleeps as
long as that took, so requests keep being served and get at least half of the loop. (A worker thread would be worse:
in CPython a CPU-bound thread makes every I/O-bound request on the loop wait for the GIL
at each socket operation, the "convoy effect"; measured, it multiplied the p99 across a
reload.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from router.config.settings import Settings
from router.errors import RequestError
from router.operation.prepare import CompiledOperation
from router.state import GatewayState

log = logging.getLogger("router.ops.warmup")

OperationKey = tuple[str, str | None]
"""(document text, operation name): the prepared-operation cache's key."""


@dataclass(frozen=True, slots=True)
class WarmupReport:
    planned: int
    refused: int
    seconds: float
    out_of_time: bool


def recent_operations(state: GatewayState | None, settings: Settings) -> list[OperationKey]:
    """The old state's most recently used operations that it could serve, newest first."""
    limit = settings.plan_warmup_max_operations
    if state is None or limit <= 0:
        return []
    return [
        prepared.request
        for _, prepared in state.operations.newest_first()
        if isinstance(prepared, CompiledOperation)
    ][:limit]


async def warm_up(
    state: GatewayState, operations: list[OperationKey], settings: Settings
) -> WarmupReport:
    """Prepare (parse, validate, plan, shape) `operations` in the new `state`'s caches."""
    started = time.perf_counter()
    deadline = started + settings.plan_warmup_budget_s
    planned = refused = 0
    out_of_time = False
    for query, operation_name in operations:
        if time.perf_counter() > deadline:
            out_of_time = True
            break
        began = time.perf_counter()
        try:
            state.prepare(query, operation_name)
            planned += 1
        except RequestError:
            refused += 1  # invalid against the new schema: the refusal is cached too
        # As long again for the requests on the loop: warm-up takes at most half of it.
        await asyncio.sleep(time.perf_counter() - began)
    report = WarmupReport(planned, refused, time.perf_counter() - started, out_of_time)
    if operations:
        log.info(
            "plan warm-up: %d of %d operations prepared (%d refused) in %.0f ms%s",
            planned,
            len(operations),
            refused,
            report.seconds * 1000,
            ", stopped by the time budget" if out_of_time else "",
        )
    return report
