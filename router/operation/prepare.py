"""Operation stage: document text -> ``PreparedOperation`` (parse, limits, validate, plan).

Everything here depends only on the schema state, the document and the operation
name, never on variables or the client, so ``GatewayState.prepare`` caches the result
(or the refusal) per (document, operation name). The steps, in order:

1. ``document.parse_document``  - lexical depth check, parse, document limits;
2. ``document.select_operation`` - the operation to run (spec 6.1 GetOperation);
3. introspection split          - ``__schema``/``__type`` go to graphql-core, the rest
                                  to the planner;
4. ``planner``                  - validate against the API schema, plan;
5. ``shaping``                  - compile the response shaper for the operation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, OperationType, validate

from planner import OperationValidationError, PlanningError
from planner.plan import QueryPlan
from router.errors import GRAPHQL_VALIDATION_FAILED, QUERY_PLANNING_FAILED, RequestError
from router.operation.document import errors_from_graphql, parse_document, select_operation
from router.operation.introspection import has_introspection, split_document
from router.response.shaping import OperationShaper

if TYPE_CHECKING:
    from router.state import GatewayState


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """Everything about one (document, operation name) that does not depend on
    variables: computed once, then served from the cache."""

    name: str | None
    """The operation's own name (``None`` for an anonymous operation)."""
    hash: str
    """sha256 of the document text (hex)."""
    kind: str
    operation: OperationDefinitionNode
    plan: QueryPlan
    shaper: OperationShaper
    introspection: Any | None
    """The introspection-only document, when the operation asks ``__schema``/``__type``."""


def prepare_operation(
    state: GatewayState, query: str, operation_name: str | None
) -> PreparedOperation:
    """Parse, limit, validate and plan; raises ``RequestError`` for a bad document."""
    settings = state.settings
    document = parse_document(query, settings.max_depth, settings.max_aliases, settings.max_fields)
    operation = select_operation(document, operation_name)
    kind = operation.operation.value
    if operation.operation == OperationType.SUBSCRIPTION:
        raise RequestError.single(
            400, "Subscriptions are not supported by this router.", GRAPHQL_VALIDATION_FAILED
        )
    schema = state.api_schema
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    introspection = None
    plan_document: Any = document
    if has_introspection(operation, fragments):
        if not settings.introspection:
            raise RequestError.single(400, "Introspection is disabled.", GRAPHQL_VALIDATION_FAILED)
        errors = validate(schema, document)
        if errors:
            raise RequestError(400, errors_from_graphql(errors, GRAPHQL_VALIDATION_FAILED))
        introspection, plan_document = split_document(document, operation)
    plan = _plan(state, plan_document, operation_name) if plan_document is not None else None
    try:
        shaper = OperationShaper(schema, document, operation)
    except ValueError as exc:
        raise RequestError.single(400, str(exc), GRAPHQL_VALIDATION_FAILED) from exc
    return PreparedOperation(
        name=operation.name.value if operation.name is not None else None,
        hash=hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest(),
        kind=kind,
        operation=operation,
        plan=plan or QueryPlan(None),
        shaper=shaper,
        introspection=introspection,
    )


def _plan(state: GatewayState, document: Any, operation_name: str | None) -> QueryPlan:
    try:
        return state.planner.plan(document, operation_name)
    except OperationValidationError as exc:
        raise RequestError(
            400, errors_from_graphql(list(exc.errors), GRAPHQL_VALIDATION_FAILED)
        ) from exc
    except PlanningError as exc:
        # No combination of subgraphs can serve this operation (e.g. a key every
        # subgraph marks @external): a request the graph cannot answer, not a
        # router failure, so 400 like validation errors.
        raise RequestError.single(
            400, f"The query could not be planned: {exc}", QUERY_PLANNING_FAILED
        ) from exc
