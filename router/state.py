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

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType

from planner import LRUCache, QueryPlanner, Supergraph
from router.config.settings import Settings
from router.errors import RequestError
from router.execution.executor import Executor
from router.execution.subgraph_client import SubgraphClient
from router.operation.authorization import AuthorizationPolicy
from router.operation.prepare import CompiledOperation, compile_operation


@dataclass(frozen=True, slots=True)
class Refusal:
    """A cached refusal, kept as data: each hit raises a fresh ``RequestError``.

    Re-raising one cached exception object would chain every request's frames onto
    its traceback, and they would never be freed."""

    status: int
    errors: list[dict[str, Any]]


@dataclass(frozen=True)
class GatewayState:
    supergraph: Supergraph
    planner: QueryPlanner
    executor: Executor
    settings: Settings
    source: str
    authorization: AuthorizationPolicy | None = None
    """``@authenticated`` / ``@requiresScopes`` of the supergraph; None when unused."""
    loaded_at: float = field(default_factory=time.time)
    operations: LRUCache[tuple[str, str | None], CompiledOperation | Refusal] = field(
        default_factory=lambda: LRUCache(1024)
    )

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema

    @property
    def sdl_hash(self) -> str:
        return str(self.supergraph.sdl_hash)

    def prepare(self, query: str, operation_name: str | None) -> CompiledOperation:
        """Parse, validate and plan (cached); raises ``RequestError`` for bad documents."""
        key = (query, operation_name)
        cached = self.operations.get(key)
        if cached is None:
            try:
                cached = compile_operation(self, query, operation_name)
            except RequestError as exc:
                cached = Refusal(exc.status, exc.errors)
            self.operations.put(key, cached)
        if isinstance(cached, Refusal):
            raise RequestError(cached.status, cached.errors)
        return cached


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
    planner = QueryPlanner(
        supergraph,
        cache_size=settings.plan_cache_size,
        time_budget=settings.planning_budget_s or None,
    )
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
        authorization=AuthorizationPolicy.from_supergraph(supergraph),
        operations=LRUCache(settings.document_cache_size),
    )


class StateHolder:
    """The current state; replaced as a whole on reload (an atomic reference swap)."""

    def __init__(self) -> None:
        self.current: GatewayState | None = None
        self.started_at = time.time()
        self.last_reload_error: str | None = None
