"""The router's schema state: one immutable object per loaded supergraph.

A request reads ``StateHolder.current`` once and uses that object to the end,
so a hot reload (which only replaces the reference) never changes the schema
under a request in flight. Everything derived from the supergraph lives here:
the planner, the executor's subgraph URLs and possible-type map, and the
prepared-operation cache (parse -> validate -> plan -> shaping).

The cache is keyed by a hash of the document (never the text itself) and bounded
by an estimate of its bytes as well as its entry count. An uncached document is
compiled in one worker thread, off the event loop: the loop keeps answering other
clients while a large document is parsed and planned, and a request waits at most
``max_planning_ms`` for it (then 400 ``QUERY_PLANNING_TIMEOUT``; the compile still
finishes and is cached). One thread, because the planner is not thread-safe, and
because more threads would only take more of the GIL from the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType

from planner import LRUCache, QueryPlanner, Supergraph
from planner.query_planner import bound_cache_bytes
from router.config.settings import Settings
from router.errors import QUERY_PLANNING_TIMEOUT, RequestError
from router.execution.executor import Executor
from router.execution.subgraph_client import SubgraphClient
from router.operation.authorization import AuthorizationPolicy
from router.operation.prepare import CompiledOperation, compile_operation, operation_key
from router.ops.gil import keep_compiled, paused_collection

BYTES_PER_DOCUMENT_CHAR = 160
"""Measured: a compiled operation (AST, plan, shaper) holds ~150 bytes per character
of its document."""
ENTRY_OVERHEAD_BYTES = 16 * 1024

T = TypeVar("T")

_COMPILER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compile")
"""Where uncached documents are parsed, validated and planned (see the module doc)."""


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
    operations: LRUCache[str, CompiledOperation | Refusal] = field(
        default_factory=lambda: operation_cache(1024, 256 * 1024 * 1024)
    )
    compiling: dict[str, asyncio.Future[CompiledOperation | Refusal]] = field(default_factory=dict)
    """Compiles in progress by key: identical documents arriving together share one."""

    @property
    def api_schema(self) -> GraphQLSchema:
        return self.supergraph.api_schema

    @property
    def sdl_hash(self) -> str:
        return str(self.supergraph.sdl_hash)

    def prepare(self, query: str, operation_name: str | None) -> CompiledOperation:
        """Parse, validate and plan (cached) on the calling thread; raises
        ``RequestError`` for bad documents. Tools and tests use it; requests use
        ``prepare_async``."""
        key = operation_key(query, operation_name)
        cached = self.operations.get(key)
        if cached is None:
            cached = self._compile(query, operation_name)
            self.operations.put(key, cached)
        return _served(cached)

    async def prepare_async(self, query: str, operation_name: str | None) -> CompiledOperation:
        """``prepare`` for a request: a cache hit costs a hash and a lookup; a miss is
        compiled off the event loop within ``max_planning_ms``."""
        key = operation_key(query, operation_name)
        cached = self.operations.get(key)
        if cached is not None:
            return _served(cached)
        pending = self.compiling.get(key)
        if pending is None:
            pending = self._start_compile(key, query, operation_name)
        budget = self.settings.max_planning_ms / 1000
        try:
            done = await asyncio.wait_for(asyncio.shield(pending), budget if budget > 0 else None)
        except TimeoutError:
            raise RequestError.single(
                400,
                f"The document was not planned within {self.settings.max_planning_ms} ms.",
                QUERY_PLANNING_TIMEOUT,
            ) from None
        return _served(done)

    async def in_compiler(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` on the compile thread: whatever uses the planner runs
        there, since the planner is not thread-safe (e.g. authorization variants)."""
        return await asyncio.get_running_loop().run_in_executor(_COMPILER, function, *args)

    def _start_compile(
        self, key: str, query: str, operation_name: str | None
    ) -> asyncio.Future[CompiledOperation | Refusal]:
        future = asyncio.get_running_loop().run_in_executor(
            _COMPILER, self._compile_in_thread, query, operation_name
        )
        self.compiling[key] = future

        def finished(done: asyncio.Future[CompiledOperation | Refusal]) -> None:
            self.compiling.pop(key, None)
            if not done.cancelled() and done.exception() is None:
                self.operations.put(key, done.result())

        future.add_done_callback(finished)
        return future

    def _compile_in_thread(
        self, query: str, operation_name: str | None
    ) -> CompiledOperation | Refusal:
        with paused_collection():
            compiled = self._compile(query, operation_name)
            if isinstance(compiled, CompiledOperation):
                keep_compiled()
            return compiled

    def _compile(self, query: str, operation_name: str | None) -> CompiledOperation | Refusal:
        try:
            return compile_operation(self, query, operation_name)
        except RequestError as exc:
            return Refusal(exc.status, exc.errors)


def _served(cached: CompiledOperation | Refusal) -> CompiledOperation:
    if isinstance(cached, Refusal):
        raise RequestError(cached.status, cached.errors)
    return cached


def _estimated_bytes(_: Any, value: CompiledOperation | Refusal) -> int:
    if isinstance(value, Refusal):
        return ENTRY_OVERHEAD_BYTES // 4 + sum(len(str(e)) for e in value.errors)
    answer = len(value.introspection_answer) * 4 if value.introspection_answer else 0
    return ENTRY_OVERHEAD_BYTES + value.source_bytes * BYTES_PER_DOCUMENT_CHAR + answer


def operation_cache(max_entries: int, max_bytes: int) -> LRUCache[str, CompiledOperation | Refusal]:
    """The compiled-operation cache: bounded by entries and by estimated bytes."""
    return LRUCache(max_entries, max_bytes=max_bytes, weigh=_estimated_bytes)


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
    bound_cache_bytes(planner, settings.document_cache_bytes, BYTES_PER_DOCUMENT_CHAR)
    executor = Executor(client, urls, possible_types(*schemas))
    return GatewayState(
        supergraph=supergraph,
        planner=planner,
        executor=executor,
        settings=settings,
        source=source,
        authorization=AuthorizationPolicy.from_supergraph(supergraph),
        operations=operation_cache(settings.document_cache_size, settings.document_cache_bytes),
    )


class StateHolder:
    """The current state; replaced as a whole on reload (an atomic reference swap)."""

    def __init__(self) -> None:
        self.current: GatewayState | None = None
        self.started_at = time.time()
        self.last_reload_error: str | None = None
