"""Operation stage: document text -> ``PreparedOperation`` (parse, limits, validate, plan).

Everything here depends only on the schema state, the document and the operation
name, never on variables or the client, so ``GatewayState.prepare`` caches the result
(or the refusal) per (document, operation name). The steps, in order:

1. ``document.parse_document`` - lexical depth check, parse, choose the operation
                                 (``planner.OperationAnalysis``, built once and used by
                                 every step below), document limits;
2. introspection split         - ``__schema``/``__type`` go to graphql-core, the rest
                                 to the planner;
3. ``planner``                 - validate against the API schema, plan;
4. ``shaping``                 - compile the response shaper for the operation.

An introspection part without variables has one answer for every client: it is
computed here, once, and kept (as JSON bytes) with the compiled operation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from graphql import DocumentNode, OperationDefinitionNode, OperationType, validate

from planner import OperationAnalysis, OperationValidationError, PlanningError
from planner.plan import QueryPlan
from router.errors import (
    GRAPHQL_VALIDATION_FAILED,
    MAX_INTROSPECTION_FIELDS_EXCEEDED,
    QUERY_PLANNING_FAILED,
    RequestError,
)
from router.operation.authorization import (
    MAX_VARIANTS,
    Restriction,
    denied,
    refusal_errors,
    reject,
    without_fields,
)
from router.operation.document import errors_from_graphql, parse_document
from router.operation.introspection import (
    count_introspection_fields,
    run_introspection,
    split_document,
)
from router.operation.usage import FieldUsage
from router.response.shaping import OperationShaper

if TYPE_CHECKING:
    from router.pipeline.context import ClientIdentity
    from router.state import GatewayState


@dataclass(frozen=True, slots=True)
class CompiledOperation:
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
    analysis: OperationAnalysis
    restrictions: tuple[Restriction, ...] = ()
    """Field selections that need an authenticated caller or scopes (``@authenticated``,
    ``@requiresScopes``); empty when the supergraph uses neither."""
    variants: dict[frozenset[int], tuple[CompiledOperation, list[dict[str, Any]]]] = field(
        default_factory=dict
    )
    """Compiled without the fields a caller may not see, by the set of removed fields."""
    introspection_answer: bytes | None = None
    """``[data, errors]`` of ``introspection`` as JSON, when it uses no variables
    (the same for every client, so computed once)."""
    source_bytes: int = 0
    """Length of the document text: what the cache's size estimate starts from."""
    request: tuple[str, str | None] = ("", None)
    """(document text, requested operation name) as the client sent them: what plan
    warm-up re-prepares against a new supergraph (the cache key is only a hash). The
    text is the same string the parsed document already holds."""
    usage: FieldUsage = field(default_factory=FieldUsage)
    """Requests served with this compiled operation, and (computed when first asked)
    the fields it selects: ``router.telemetry.schema_usage``."""
    stages: tuple[tuple[str, int, int], ...] = ()
    """(stage, start, end) in epoch nanoseconds of ``operation.parse``,
    ``operation.validate`` and ``operation.plan`` when this was compiled: tracing turns
    them into spans of the request that missed the cache (compiling never traces)."""


def operation_key(query: str, operation_name: str | None) -> str:
    """The cache key of (document, operation name): a hash, never the document itself."""
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest}:{operation_name}" if operation_name is not None else digest


def compile_operation(
    state: GatewayState, query: str, operation_name: str | None, authorize: bool = True
) -> CompiledOperation:
    """Parse, limit, validate and plan; raises ``RequestError`` for a bad document."""
    settings = state.settings
    parsing = time.time_ns()
    analysis = parse_document(
        query, settings.max_depth, settings.max_aliases, settings.max_fields, operation_name
    )
    validating = planning = time.time_ns()
    if analysis.operation.operation == OperationType.SUBSCRIPTION:
        raise RequestError.single(
            400, "Subscriptions are not supported by this router.", GRAPHQL_VALIDATION_FAILED
        )
    schema = state.api_schema
    introspection = None
    answer = None
    plan_input: Any = analysis
    introspection_fields = count_introspection_fields(analysis)
    if introspection_fields:
        if not settings.introspection:
            raise RequestError.single(400, "Introspection is disabled.", GRAPHQL_VALIDATION_FAILED)
        if introspection_fields > settings.max_introspection_fields:
            raise RequestError.single(
                400,
                f"The operation asks {introspection_fields} introspection fields "
                f"(__schema/__type), more than the maximum of "
                f"{settings.max_introspection_fields}.",
                MAX_INTROSPECTION_FIELDS_EXCEEDED,
            )
        errors = validate(schema, analysis.document)
        if errors:
            raise RequestError(400, errors_from_graphql(errors, GRAPHQL_VALIDATION_FAILED))
        planning = time.time_ns()
        introspection, plan_input = split_document(analysis)
        answer = _static_introspection_answer(state, introspection)
    plan = None
    if plan_input is not None:
        prepared = _validate(state, plan_input, operation_name)
        planning = time.time_ns()
        plan = _plan(state, prepared)
    try:
        shaper = OperationShaper(schema, analysis)
    except ValueError as exc:
        raise RequestError.single(400, str(exc), GRAPHQL_VALIDATION_FAILED) from exc
    restrictions: tuple[Restriction, ...] = ()
    if authorize and state.authorization is not None:
        restrictions = state.authorization.restrictions(analysis, schema)
    return CompiledOperation(
        analysis=analysis,
        restrictions=restrictions,
        name=analysis.name,
        hash=hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest(),
        kind=analysis.kind,
        operation=analysis.operation,
        plan=plan or QueryPlan(None),
        shaper=shaper,
        introspection=introspection,
        introspection_answer=answer,
        source_bytes=len(query),
        request=(query, operation_name),
        stages=(
            ("operation.parse", parsing, validating),
            ("operation.validate", validating, planning),
            ("operation.plan", planning, time.time_ns()),
        ),
    )


def _static_introspection_answer(state: GatewayState, document: DocumentNode) -> bytes | None:
    """The introspection answer as JSON when it cannot depend on the request."""
    operation = document.definitions[0]
    if isinstance(operation, OperationDefinitionNode) and operation.variable_definitions:
        return None
    data, errors = run_introspection(state.api_schema, document, None)
    return orjson.dumps([data, errors])


def authorized(
    state: GatewayState,
    compiled: CompiledOperation,
    identity: ClientIdentity | None,
    reject_unauthorized: bool,
) -> tuple[CompiledOperation, list[dict[str, Any]]]:
    """The operation as this caller may run it, and the errors for what was removed.

    Called only for operations with restrictions. The variant keeps the original
    shaper, so every removed field is answered with null at its place."""
    refused = denied(compiled.restrictions, identity)
    if not refused:
        return compiled, []
    if reject_unauthorized:
        raise reject(refused)
    removed = frozenset(r.node_id for r in refused)
    cached = compiled.variants.get(removed)
    if cached is not None:
        return cached[0], list(cached[1])
    text = without_fields(compiled.analysis.document, removed)
    narrowed = compile_operation(state, text, compiled.name, authorize=False)
    variant = dataclasses.replace(
        narrowed, shaper=compiled.shaper, hash=compiled.hash, restrictions=()
    )
    errors = refusal_errors(refused)
    if len(compiled.variants) < MAX_VARIANTS:
        compiled.variants[removed] = (variant, errors)
    return variant, list(errors)


def _validate(state: GatewayState, document: Any, operation_name: str | None) -> Any:
    """Validate against the API schema (the planner's ``prepare``)."""
    try:
        return state.planner.prepare(document, operation_name)
    except OperationValidationError as exc:
        raise RequestError(
            400, errors_from_graphql(list(exc.errors), GRAPHQL_VALIDATION_FAILED)
        ) from exc


def _plan(state: GatewayState, prepared: Any) -> QueryPlan:
    try:
        return state.planner.plan_prepared(prepared)
    except PlanningError as exc:
        # No combination of subgraphs can serve this operation (e.g. a key every
        # subgraph marks @external): a request the graph cannot answer, not a
        # router failure, so 400 like validation errors.
        raise RequestError.single(
            400, f"The query could not be planned: {exc}", QUERY_PLANNING_FAILED
        ) from exc
