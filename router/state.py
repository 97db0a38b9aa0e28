"""The router's schema state: one immutable object per loaded supergraph.

A request reads ``StateHolder.current`` once and uses that object to the end,
so a hot reload (which only replaces the reference) never changes the schema
under a request in flight. Everything derived from the supergraph lives here:
the planner, the executor's subgraph URLs and possible-type map, and the
prepared-operation cache (parse -> validate -> plan -> shaping, by document text).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLInterfaceType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    validate,
)

from planner import OperationValidationError, PlanningError, QueryPlanner, Supergraph
from planner.plan import QueryPlan
from router.config.settings import Settings
from router.errors import (
    GRAPHQL_VALIDATION_FAILED,
    QUERY_PLANNING_FAILED,
    RequestError,
)
from router.execution.executor import Executor
from router.execution.subgraph_client import SubgraphClient
from router.operation.document import errors_from_graphql, parse_document, select_operation
from router.operation.introspection import has_introspection, split_document
from router.operation.lru import LRUCache
from router.response.shaping import OperationShaper


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """Everything about one (document, operation name) that does not depend on
    variables: computed once, then served from the cache."""

    kind: str
    operation: OperationDefinitionNode
    plan: QueryPlan
    shaper: OperationShaper
    introspection: Any | None
    """The introspection-only document, when the operation asks ``__schema``/``__type``."""


@dataclass(frozen=True)
class GatewayState:
    supergraph: Supergraph
    planner: QueryPlanner
    executor: Executor
    settings: Settings
    source: str
    loaded_at: float = field(default_factory=time.time)
    operations: LRUCache[tuple[str, str | None], PreparedOperation | RequestError] = field(
        default_factory=lambda: LRUCache(1024)
    )

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema

    @property
    def sdl_hash(self) -> str:
        return str(self.supergraph.sdl_hash)

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        """Parse, validate and plan (cached); raises ``RequestError`` for bad documents."""
        key = (query, operation_name)
        cached = self.operations.get(key)
        if cached is None:
            try:
                cached = self._prepare(query, operation_name)
            except RequestError as exc:
                cached = exc
            self.operations.put(key, cached)
        if isinstance(cached, RequestError):
            raise cached
        return cached

    def _prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        settings = self.settings
        document = parse_document(
            query, settings.max_depth, settings.max_aliases, settings.max_fields
        )
        operation = select_operation(document, operation_name)
        kind = operation.operation.value
        if operation.operation == OperationType.SUBSCRIPTION:
            raise RequestError.single(
                400, "Subscriptions are not supported by this router.", GRAPHQL_VALIDATION_FAILED
            )
        schema = self.api_schema
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        introspection = None
        plan_document: Any = document
        if has_introspection(operation, fragments):
            if not settings.introspection:
                raise RequestError.single(
                    400, "Introspection is disabled.", GRAPHQL_VALIDATION_FAILED
                )
            errors = validate(schema, document)
            if errors:
                raise RequestError(400, errors_from_graphql(errors, GRAPHQL_VALIDATION_FAILED))
            introspection, plan_document = split_document(document, operation)
        plan = self._plan(plan_document, operation_name) if plan_document is not None else None
        try:
            shaper = OperationShaper(schema, document, operation)
        except ValueError as exc:
            raise RequestError.single(400, str(exc), GRAPHQL_VALIDATION_FAILED) from exc
        plan = plan or QueryPlan(None)
        return PreparedOperation(
            kind=kind,
            operation=operation,
            plan=plan,
            shaper=shaper,
            introspection=introspection,
        )

    def _plan(self, document: Any, operation_name: str | None) -> QueryPlan:
        try:
            return self.planner.plan(document, operation_name)
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


def possible_types(*schemas: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Abstract type -> possible object type names, united over the schemas.

    The executor needs the supergraph's view too: representations can involve
    types that are @inaccessible in the API schema."""
    out: dict[str, set[str]] = {}
    for schema in schemas:
        for name, named in schema.type_map.items():
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                members = out.setdefault(name, set())
                members.update(t.name for t in schema.get_possible_types(named))
    return {name: frozenset(members) for name, members in out.items()}


def build_state(sdl: str, source: str, settings: Settings, client: SubgraphClient) -> GatewayState:
    """Parse a supergraph and derive a new state (raises ``SupergraphError``)."""
    supergraph = Supergraph.parse(sdl)
    planner = QueryPlanner(supergraph, cache_size=settings.plan_cache_size)
    urls = {name: info.url for name, info in supergraph.subgraphs.items()}
    schemas = [supergraph.api_schema]
    extra = getattr(supergraph, "schema", None)
    if isinstance(extra, GraphQLSchema):
        schemas.append(extra)
    executor = Executor(client, urls, possible_types(*schemas))
    return GatewayState(
        supergraph=supergraph,
        planner=planner,
        executor=executor,
        settings=settings,
        source=source,
        operations=LRUCache(settings.document_cache_size),
    )


class StateHolder:
    """The current state; replaced as a whole on reload (an atomic reference swap)."""

    def __init__(self) -> None:
        self.current: GatewayState | None = None
        self.started_at = time.time()
        self.last_reload_error: str | None = None
