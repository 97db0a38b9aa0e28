"""A time budget for one plan, checked where planning work grows with the operation.

An operation a client crafts to be expensive to plan (fragments that expand
exponentially, thousands of fields over many subgraphs) must not hold a worker for
long: past the deadline, planning stops with `PlanningTimeout`, a `PlanningError`
(``QUERY_PLANNING_FAILED``). Without a budget the checks cost one attribute test.
"""

from __future__ import annotations

from time import perf_counter

from planner.errors import PlanningTimeout


class Deadline:
    """`check()` raises `PlanningTimeout` once `budget` seconds have passed."""

    __slots__ = ("at", "budget")

    def __init__(self, budget: float | None) -> None:
        self.budget = budget
        self.at = perf_counter() + budget if budget is not None else None

    def check(self) -> None:
        if self.at is not None and perf_counter() > self.at:
            raise PlanningTimeout(
                f"planning the operation took longer than its budget of {self.budget:g} s"
            )


NO_DEADLINE = Deadline(None)
