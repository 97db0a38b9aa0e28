"""Errors the planner library raises. Each carries a machine-readable code, so a
caller (the router, a CLI) can answer with ``extensions.code`` without guessing."""

from __future__ import annotations

from graphql import GraphQLError


class PlannerError(Exception):
    """Base class of every error raised by the planner library."""

    code = "PLANNER_ERROR"


class SupergraphError(PlannerError):
    """The text is not a valid Federation v2 supergraph SDL."""

    code = "INVALID_SUPERGRAPH"


class OperationValidationError(PlannerError):
    """The operation is invalid against the API schema (GraphQL validation)."""

    code = "GRAPHQL_VALIDATION_FAILED"

    def __init__(self, errors: list[GraphQLError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class PlanningError(PlannerError):
    """A valid operation that no plan over the subgraphs can resolve."""

    code = "QUERY_PLANNING_FAILED"


class PlanningTimeout(PlanningError):
    """Planning took longer than the planner's time budget (still ``QUERY_PLANNING_FAILED``:
    the operation cannot be served, the planner is fine)."""
