"""Plan execution: walk a ``QueryPlan`` and fill one plain-dict response.

The contract is the module docstring of ``planner/plan.py``. ``Parallel``
children run with ``asyncio.gather``, ``Sequence`` children in order; entity
fetches collect the objects at their flatten path, send de-duplicated
representations, and merge ``_entities`` back into the objects that gave them.
Subgraph errors are passed on with their paths rewritten to response paths,
``extensions.serviceName`` and (unless they have one) ``extensions.code``
``DOWNSTREAM_SERVICE_ERROR``; a failed subgraph only nulls its own part.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from planner.plan import (
    BatchFetch,
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Selection,
    SequenceNode,
)
from router.errors import DOWNSTREAM_SERVICE_ERROR
from router.execution.gather import Gatherer, add_object, compile_gatherer
from router.execution.merge import (
    PossibleTypes,
    apply_rewrites,
    build_representation,
    collect_at_path,
    deep_merge,
)
from router.execution.paths import Walker, compile_path
from router.execution.representations import FlatRequires, compile_requires
from router.execution.subgraph_client import SubgraphClient, SubgraphResponse

if TYPE_CHECKING:
    from router.pipeline.context import RequestContext
    from router.pipeline.plugin import Plugins
    from router.telemetry.tracing import Tracing

Path = list[str | int]
MAX_COMPILED_REQUIRES = 4096
"""Compiled ``requires`` selections kept per executor (one per distinct selection)."""
MAX_COMPILED_PATHS = 4096
"""Compiled flatten paths kept per executor (one per distinct path)."""
_NO_HEADERS: Mapping[str, str] = {}


@dataclass(slots=True)
class ExecutionResult:
    """Merged data (a superset of what the client asked) and errors so far."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Entities:
    """De-duplicated representations for one entity fetch (or one batch)."""

    representations: list[dict[str, Any]]
    targets: list[list[dict[str, Any]]]
    """For representation i, every object that gave it."""
    path: tuple[str, ...] = ()
    """The flatten path the objects were collected at."""

    def response_path(self, index: int, root: Any, possible: PossibleTypes) -> Path | None:
        """Response path of the first object that gave representation ``index``.

        Computed only when a subgraph reports an error, so the hot path never
        builds paths."""
        wanted = self.targets[index][0]
        for obj, where in collect_at_path(root, self.path, possible):
            if obj is wanted:
                return where
        return None


class Executor:
    """Runs plans against subgraphs; one per router state (schema version)."""

    def __init__(
        self,
        client: SubgraphClient,
        subgraph_urls: Mapping[str, str],
        possible_types: PossibleTypes,
    ) -> None:
        self.client = client
        self.urls = subgraph_urls
        self.possible = possible_types
        self._flat: dict[tuple[Selection, ...], FlatRequires | None] = {}
        self._walkers: dict[tuple[str, ...], Walker] = {}
        self._gatherers: dict[
            tuple[tuple[str, ...], int], tuple[tuple[Selection, ...], Gatherer | None]
        ] = {}

    def walker(self, path: tuple[str, ...]) -> Walker:
        """The objects-at-``path`` function (``paths.compile_path``), kept per path, at
        most ``MAX_COMPILED_PATHS``, then started afresh."""
        try:
            return self._walkers[path]
        except KeyError:
            if len(self._walkers) >= MAX_COMPILED_PATHS:
                self._walkers.clear()
            walk = self._walkers[path] = compile_path(path, self.possible)
            return walk

    def flat_requires(self, requires: tuple[Selection, ...]) -> FlatRequires | None:
        """``requires`` compiled (None: it needs the generic walk); kept per selection,
        at most ``MAX_COMPILED_REQUIRES``, then started afresh."""
        try:
            return self._flat[requires]
        except KeyError:
            if len(self._flat) >= MAX_COMPILED_REQUIRES:
                self._flat.clear()
            flat = self._flat[requires] = compile_requires(requires, self.possible)
            return flat

    def gatherer(self, path: tuple[str, ...], requires: tuple[Selection, ...]) -> Gatherer | None:
        """The compiled walk-and-key pass for ``requires`` at ``path`` (``gather``), None
        when it does not compile. Kept per (path, selection object): the selection is
        looked up by identity, since hashing it would walk it on every fetch, and it is
        kept in the entry, so its id cannot be reused while the entry exists."""
        key = (path, id(requires))
        entry = self._gatherers.get(key)
        if entry is not None and entry[0] is requires:
            return entry[1]
        if len(self._gatherers) >= MAX_COMPILED_PATHS:
            self._gatherers.clear()
        flat = self.flat_requires(requires)
        gather = None if flat is None else compile_gatherer(path, flat, self.possible)
        self._gatherers[key] = (requires, gather)
        return gather

    async def execute(
        self,
        plan: QueryPlan,
        variables: Mapping[str, Any],
        operation_kind: str = "query",
        request_headers: Mapping[str, str] = _NO_HEADERS,
        ctx: RequestContext | None = None,
        plugins: Plugins | None = None,
        tracing: Tracing | None = None,
        trace_headers: Mapping[str, str] | None = None,
    ) -> ExecutionResult:
        """Run ``plan``.

        ``request_headers`` are the client's headers (case-insensitive lookups, e.g.
        Starlette's ``Headers``); each subgraph gets the ones it is configured to
        receive (``SubgraphClient.configure``). With ``plugins`` that hook subgraph
        fetches (and the request's ``ctx``), every fetch passes through their hooks.
        With ``tracing``, each fetch is a ``subgraph.fetch`` span whose trace headers
        are sent along; without, ``trace_headers`` (a sampled-out request's
        ``traceparent``) go with every fetch."""
        result = ExecutionResult()
        if plan.node is not None:
            hooks = None
            if ctx is not None and plugins is not None and plugins.around_subgraphs:
                hooks = (ctx, plugins)
            run = _Run(
                self,
                variables,
                result,
                operation_kind == "query",
                request_headers,
                hooks,
                tracing,
                trace_headers,
            )
            await run.node(plan.node)
        return result


class _Run:
    """State of one plan execution."""

    __slots__ = (
        "executor",
        "hooks",
        "request_headers",
        "result",
        "share",
        "trace_headers",
        "tracing",
        "variables",
    )

    def __init__(
        self,
        executor: Executor,
        variables: Mapping[str, Any],
        result: ExecutionResult,
        share: bool,
        request_headers: Mapping[str, str],
        hooks: tuple[RequestContext, Plugins] | None = None,
        tracing: Tracing | None = None,
        trace_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.executor = executor
        self.tracing = tracing
        self.trace_headers = trace_headers
        self.variables = variables
        self.result = result
        self.share = share
        self.request_headers = request_headers
        self.hooks = hooks

    async def node(self, node: PlanNode) -> None:
        if isinstance(node, Flatten):
            await self.fetch(node.node, node.path)
        elif isinstance(node, Fetch):
            await self.fetch(node, ())
        elif isinstance(node, SequenceNode):
            for child in node.nodes:
                await self.node(child)
        elif isinstance(node, Parallel):
            await self._parallel(node.nodes)
        elif isinstance(node, BatchFetch):
            await self.batch_fetch(node)
        elif isinstance(node, Condition):
            branch = node.if_clause if self.variables.get(node.condition) else node.else_clause
            if branch is not None:
                await self.node(branch)

    async def _parallel(self, children: tuple[PlanNode, ...]) -> None:
        """The children at once: all but the first as tasks, the first in this task
        (one task fewer per ``Parallel`` node; cancelling this task cancels them all)."""
        if not children:
            return
        others = [asyncio.ensure_future(self.node(child)) for child in children[1:]]
        try:
            await self.node(children[0])
        except BaseException:
            for task in others:
                task.cancel()
            raise
        if others:
            await asyncio.gather(*others)

    def _variables_for(self, usages: tuple[str, ...]) -> dict[str, Any]:
        return {name: self.variables[name] for name in usages if name in self.variables}

    async def _send(self, fetch: Fetch | BatchFetch, variables: dict[str, Any]) -> SubgraphResponse:
        service = fetch.service_name
        url = self.executor.urls.get(service)
        if url is None:
            return SubgraphResponse(
                failure={
                    "message": f"Unknown subgraph '{service}' in the query plan",
                    "extensions": {"code": "SUBGRAPH_REQUEST_FAILED", "serviceName": service},
                }
            )
        if self.tracing is not None:
            return await self.tracing.fetch(
                fetch, url, variables, lambda headers: self._deliver(fetch, url, variables, headers)
            )
        return await self._deliver(fetch, url, variables, self.trace_headers)

    async def _deliver(
        self,
        fetch: Fetch | BatchFetch,
        url: str,
        variables: dict[str, Any],
        trace_headers: Mapping[str, str] | None = None,
    ) -> SubgraphResponse:
        if self.hooks is not None:
            return await self._send_hooked(fetch, url, variables, trace_headers)
        return await self.executor.client.execute(
            fetch.service_name,
            url,
            fetch.operation,
            variables,
            fetch.operation_name,
            share=self.share,
            request_headers=self.request_headers,
            trace_headers=trace_headers,
        )

    async def _send_hooked(
        self,
        fetch: Fetch | BatchFetch,
        url: str,
        variables: dict[str, Any],
        trace_headers: Mapping[str, str] | None = None,
    ) -> SubgraphResponse:
        """``_send`` through the plugins' subgraph hooks (only when a plugin has one)."""
        from router.pipeline.plugin import SubgraphRequest

        assert self.hooks is not None
        ctx, plugins = self.hooks
        request = SubgraphRequest(fetch.service_name, url, fetch.operation, variables)
        for hook in plugins.on_subgraph_request:
            await hook(ctx, request)
        response = request.answer  # a hook may answer the fetch itself (a cache)
        if response is None:
            response = await self.executor.client.execute(
                fetch.service_name,
                url,
                fetch.operation,
                request.variables,  # a hook may have changed them
                fetch.operation_name,
                share=self.share,
                request_headers=self.request_headers,
                extra_headers=request.headers,
                trace_headers=trace_headers,
            )
        for hook in plugins.on_subgraph_response:
            await hook(ctx, request, response)
        return response

    async def fetch(self, fetch: Fetch, path: tuple[str, ...]) -> None:
        if fetch.requires is None:
            await self._root_fetch(fetch, path)
            return
        entities = self._representations(path, fetch.requires, fetch.input_rewrites)
        if not entities.representations:
            return
        variables = self._variables_for(fetch.variable_usages)
        variables["representations"] = entities.representations
        response = await self._send(fetch, variables)
        if self._failed(response):
            return
        data = response.data or {}
        self._merge_entities(fetch, data.get("_entities"), entities)
        self._pass_errors(fetch.service_name, response.errors, {"_entities": entities})

    async def _root_fetch(self, fetch: Fetch, path: tuple[str, ...]) -> None:
        response = await self._send(fetch, self._variables_for(fetch.variable_usages))
        if self._failed(response):
            return
        data = response.data
        if isinstance(data, dict):
            if fetch.output_rewrites:
                apply_rewrites(data, fetch.output_rewrites, self.executor.possible)
            if path:
                for target in self.executor.walker(path)(self.result.data):
                    deep_merge(target, data)
            else:
                deep_merge(self.result.data, data)
        prefix: Path = []
        if path:
            targets = collect_at_path(self.result.data, path, self.executor.possible)
            if len(targets) == 1:
                prefix = targets[0][1]
        self._pass_errors(fetch.service_name, response.errors, {}, prefix)

    async def batch_fetch(self, fetch: BatchFetch) -> None:
        variables = self._variables_for(fetch.variable_usages)
        batches: dict[str, _Entities] = {}
        for index, batch in enumerate(fetch.batches):
            entities = self._representations(batch.path, batch.requires, batch.input_rewrites)
            batches[f"_e{index}"] = entities
            variables[f"r{index}"] = entities.representations
        if not any(e.representations for e in batches.values()):
            return
        response = await self._send(fetch, variables)
        if self._failed(response):
            return
        data = response.data or {}
        for key, entities in batches.items():
            self._merge_entities(fetch, data.get(key), entities)
        self._pass_errors(fetch.service_name, response.errors, batches)

    def _representations(
        self,
        path: tuple[str, ...],
        requires: tuple[Selection, ...],
        rewrites: tuple[Any, ...],
    ) -> _Entities:
        executor = self.executor
        if not rewrites:
            gather = executor.gatherer(path, requires)
            if gather is not None:
                found, targets = gather(self.result.data)
                return _Entities(found, targets, path)
        possible = executor.possible
        index_of: dict[Any, int] = {}
        representations: list[dict[str, Any]] = []
        targets = []
        objects = executor.walker(path)(self.result.data)
        flat = None if rewrites else executor.flat_requires(requires)
        if flat is not None:  # compiled keys, but a path or selection gather cannot take
            for obj in objects:
                add_object(flat, obj, index_of, representations, targets)
            return _Entities(representations, targets, path)
        for obj in objects:
            built = build_representation(obj, requires, possible)
            if built is None:
                continue
            if rewrites:
                apply_rewrites(built, rewrites, possible)
            sorted_json = orjson.dumps(built, option=orjson.OPT_SORT_KEYS)
            index = index_of.get(sorted_json)
            if index is None:
                index_of[sorted_json] = len(representations)
                representations.append(built)
                targets.append([obj])
            else:
                targets[index].append(obj)
        return _Entities(representations, targets, path)

    def _merge_entities(self, fetch: Fetch | BatchFetch, found: Any, entities: _Entities) -> None:
        if not isinstance(found, list):
            return
        rewrites = fetch.output_rewrites if isinstance(fetch, Fetch) else ()
        possible = self.executor.possible
        for index, entity in enumerate(found[: len(entities.targets)]):
            if not isinstance(entity, dict):
                continue
            if rewrites:
                apply_rewrites(entity, rewrites, possible)
            for obj in entities.targets[index]:
                deep_merge(obj, entity)

    def _failed(self, response: SubgraphResponse) -> bool:
        if response.failure is None:
            return False
        self.result.errors.append(response.failure)
        return True

    def _pass_errors(
        self,
        service: str,
        errors: list[dict[str, Any]],
        entity_keys: Mapping[str, _Entities],
        prefix: Path | None = None,
    ) -> None:
        """Rewrite subgraph error paths to response paths and tag the subgraph."""
        for error in errors:
            out = dict(error)
            path = error.get("path")
            if isinstance(path, list) and path:
                entities = entity_keys.get(path[0]) if isinstance(path[0], str) else None
                if entities is not None:
                    index = path[1] if len(path) > 1 else None
                    where = None
                    if isinstance(index, int) and 0 <= index < len(entities.targets):
                        where = entities.response_path(
                            index, self.result.data, self.executor.possible
                        )
                    if where is None:
                        out.pop("path", None)
                    else:
                        out["path"] = [*where, *path[2:]]
                elif prefix:
                    out["path"] = [*prefix, *path]
            elif entity_keys:
                out.pop("path", None)
            extensions = error.get("extensions")
            extensions = dict(extensions) if isinstance(extensions, dict) else {}
            extensions["serviceName"] = service
            # A subgraph's own error (not a failed request): coded as Apollo's gateway
            # codes it, unless the subgraph gave a code of its own.
            extensions.setdefault("code", DOWNSTREAM_SERVICE_ERROR)
            out["extensions"] = extensions
            out.pop("locations", None)
            self.result.errors.append(out)
