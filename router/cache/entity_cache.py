"""The entity cache: ``_entities`` results per subgraph, type, key and selection.

A query that misses the response cache still skips the subgraph fetches of entities
it has seen. In ``on_subgraph_request`` every representation of an entity fetch
(``representations``, or a batch's ``r0``, ``r1``, ...) is looked up under a key made of
the supergraph hash, the subgraph, the type, the printed selection for that type, the
fetch's other variables, the representation, the headers plugins added, and for
``PRIVATE`` types the caller; only the missing representations are sent (nothing at
all when every one is cached: ``request.answer``). In ``on_subgraph_response`` the
cached entities are put back in their places, error paths are re-indexed, and the
fetched entities without errors are stored under the type's TTL (``CacheHints.
entity_policy``), tagged with their type and record for invalidation. Queries only.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from graphql import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

from planner import LRUCache
from router.cache.response_cache import Hints, scope_id
from router.cache.store import CacheStore
from router.cache.tags import entity_record_tag, type_tag, unkeyed_tag
from router.execution.subgraph_client import SubgraphResponse
from router.pipeline.plugin import Plugin, SubgraphRequest

if TYPE_CHECKING:
    from router.pipeline.context import RequestContext
    from router.state import GatewayState

MAX_FETCH_REPRESENTATIONS = 10_000
"""Larger entity fetches are sent as they are (no look-ups)."""


@dataclass(slots=True)
class _List:
    """One representations list of a fetch (``representations`` or ``rN``)."""

    variable: str
    alias: str
    size: int
    cached: dict[int, Any] = field(default_factory=dict)
    sent: list[int] = field(default_factory=list)
    """Original index of each representation sent."""
    keys: dict[int, tuple[str, float, tuple[str, ...], dict[str, Any]]] = field(
        default_factory=dict
    )
    """Original index -> (cache key, TTL, type tags, representation) of each cacheable
    one that was sent (its record tag is computed only when it is stored)."""


_Selections = dict[str, dict[str, tuple[str, SelectionSetNode]]]
"""alias -> type -> (printed selection, selection)."""


@dataclass(frozen=True, slots=True)
class _TypeEntry:
    """What one entity type of one fetch document needs, computed once per supergraph."""

    printed: bytes
    ttl: float
    private: bool
    type_tags: tuple[str, ...]


_Plan = dict[str, dict[str, _TypeEntry]]
"""alias -> type -> _TypeEntry, per (supergraph, fetch document)."""


class EntityCache(Plugin):
    name = "entity-cache"

    def __init__(self, store: CacheStore, hints: Hints) -> None:
        self.store = store
        self.hints = hints
        self._plans: LRUCache[tuple[str, str], _Plan] = LRUCache(2048)
        self.counts = {"hit": 0, "miss": 0, "stored": 0, "errors": 0}

    def health(self, body: dict[str, Any]) -> None:
        body.setdefault("cache", {})["entities"] = dict(self.counts)

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        state = ctx.state
        variables = request.variables
        if ctx.operation_kind != "query" or state is None or not variables:
            return
        lists = _lists(variables)
        if not lists or sum(x.size for x in lists) > MAX_FETCH_REPRESENTATIONS:
            return
        plan = self._plan(state, request.operation)
        names = {x.variable for x in lists}
        others = {k: v for k, v in variables.items() if k not in names}
        common = hashlib.sha256(
            orjson.dumps(
                [state.sdl_hash, request.service_name, others, request.headers],
                option=orjson.OPT_SORT_KEYS,
            )
        )
        who = scope_id(ctx)
        lookups: list[tuple[_List, int, str]] = []
        for entry in lists:
            by_type = plan.get(entry.alias)
            if not by_type:
                continue
            for index, representation in enumerate(variables[entry.variable]):
                if not isinstance(representation, dict):
                    continue
                type_name = representation.get("__typename")
                found = by_type.get(type_name) if isinstance(type_name, str) else None
                if found is None or found.ttl <= 0 or (found.private and who is None):
                    continue
                digest = common.copy()
                digest.update(found.printed)
                digest.update(orjson.dumps(representation, option=orjson.OPT_SORT_KEYS))
                if found.private:
                    digest.update(b"\x00" + str(who).encode("utf-8", "surrogatepass"))
                key = "e:" + digest.hexdigest()
                entry.keys[index] = (key, found.ttl, found.type_tags, representation)
                lookups.append((entry, index, key))
        if not lookups:
            return
        try:
            values = await self.store.get_many([key for _, _, key in lookups])
        except Exception:
            self.counts["errors"] += 1
            return
        now = time.time()
        for (entry, index, _), value in zip(lookups, values, strict=True):
            if value is None:
                continue
            try:
                expires, entity = orjson.loads(value)
            except (orjson.JSONDecodeError, TypeError, ValueError):  # not our entry
                continue
            if isinstance(expires, float | int) and expires > now:
                entry.cached[index] = entity
                entry.keys.pop(index, None)
        hits = sum(len(x.cached) for x in lists)
        self.counts["hit"] += hits
        self.counts["miss"] += len(lookups) - hits
        if not hits:
            ctx.extensions.setdefault(self.name, {})[id(request)] = lists
            return
        narrowed = dict(variables)
        for entry in lists:
            original = variables[entry.variable]
            entry.sent = [i for i in range(entry.size) if i not in entry.cached]
            narrowed[entry.variable] = [original[i] for i in entry.sent]
        request.variables = narrowed
        if not any(entry.sent for entry in lists):
            request.answer = SubgraphResponse(data={x.alias: [] for x in lists})
        ctx.extensions.setdefault(self.name, {})[id(request)] = lists

    async def on_subgraph_response(
        self, ctx: RequestContext, request: SubgraphRequest, response: SubgraphResponse
    ) -> None:
        pending: dict[int, list[_List]] | None = ctx.extensions.get(self.name)
        lists = pending.pop(id(request), None) if pending else None
        if lists is None or response.failure is not None:
            return
        data = response.data if isinstance(response.data, dict) else {}
        failed, unplaced = _errored(response.errors, lists)
        for entry in lists:
            if not entry.cached:
                entry.sent = list(range(entry.size))
            got = data.get(entry.alias)
            got = got if isinstance(got, list) else []
            full: list[Any] = [None] * entry.size
            for index, entity in entry.cached.items():
                full[index] = entity
            for position, index in enumerate(entry.sent):
                if position < len(got):
                    full[index] = got[position]
            data[entry.alias] = full
        _reindex_errors(response.errors, lists)
        response.data = data
        if unplaced:
            return  # an error we cannot pin to one entity: store nothing from this fetch
        expires_base = time.time()
        state = ctx.state
        keys = self.hints.of(state).keys if state is not None else {}
        for entry in lists:
            for index, (key, ttl, type_tags, representation) in entry.keys.items():
                entity = data[entry.alias][index]
                if not isinstance(entity, dict) or (entry.alias, index) in failed:
                    continue
                type_name = str(representation.get("__typename"))
                record = entity_record_tag(type_name, representation, keys)
                tags = [*type_tags, record or unkeyed_tag(type_name)]
                try:
                    value = orjson.dumps([expires_base + ttl, entity])
                    await self.store.set(key, value, ttl, tags)
                    self.counts["stored"] += 1
                except Exception:
                    self.counts["errors"] += 1
                    return

    def _plan(self, state: GatewayState, operation: str) -> _Plan:
        memo_key = (state.sdl_hash, operation)
        found = self._plans.get(memo_key)
        if found is None:
            hints = self.hints.of(state)
            found = {}
            for alias, by_type in _read_selections(operation).items():
                found[alias] = {}
                for type_name, (printed, selection) in by_type.items():
                    policy = hints.entity_policy(type_name, selection)
                    found[alias][type_name] = _TypeEntry(
                        printed.encode(),
                        policy.ttl,
                        policy.private,
                        tuple(type_tag(t) for t in sorted(policy.types)),
                    )
            self._plans.put(memo_key, found)
        return found


def _lists(variables: dict[str, Any]) -> list[_List]:
    reps = variables.get("representations")
    if isinstance(reps, list):
        return [_List("representations", "_entities", len(reps))]
    out: list[_List] = []
    index = 0
    while isinstance(variables.get(f"r{index}"), list):
        out.append(_List(f"r{index}", f"_e{index}", len(variables[f"r{index}"])))
        index += 1
    return out


def _read_selections(operation: str) -> _Selections:
    """alias -> type -> selection of each ``_entities`` field of a fetch document (the
    router's own planner output, not client text)."""
    out: _Selections = {}
    document = parse(operation, no_location=True)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.name.value != "_entities":
                continue
            alias = selection.alias.value if selection.alias else "_entities"
            by_type: dict[str, tuple[str, SelectionSetNode]] = {}
            for inner in selection.selection_set.selections if selection.selection_set else ():
                if isinstance(inner, InlineFragmentNode) and inner.type_condition is not None:
                    by_type[inner.type_condition.name.value] = (
                        print_ast(inner.selection_set),
                        inner.selection_set,
                    )
            out[alias] = by_type
    return out


def _errored(errors: list[dict[str, Any]], lists: list[_List]) -> tuple[set[tuple[str, int]], bool]:
    """(alias, original index) of each entity with an error, and whether an error could
    not be pinned to one entity."""
    by_alias = {x.alias: x for x in lists}
    failed: set[tuple[str, int]] = set()
    unplaced = False
    for error in errors:
        path = error.get("path")
        if not isinstance(path, list) or not path:
            unplaced = True
            continue
        entry = by_alias.get(path[0])
        position = path[1] if entry is not None and len(path) > 1 else None
        if entry is None or not isinstance(position, int):
            unplaced = True
            continue
        sent = entry.sent if entry.cached else list(range(entry.size))
        if 0 <= position < len(sent):
            failed.add((entry.alias, sent[position]))
        else:
            unplaced = True
    return failed, unplaced


def _reindex_errors(errors: list[dict[str, Any]], lists: list[_List]) -> None:
    """Error paths point into the narrowed lists: point them at the original indexes."""
    by_alias = {x.alias: x for x in lists if x.cached}
    for error in errors:
        path = error.get("path")
        if not isinstance(path, list) or len(path) < 2 or not isinstance(path[1], int):
            continue
        entry = by_alias.get(path[0])
        if entry is not None and 0 <= path[1] < len(entry.sent):
            error["path"] = [path[0], entry.sent[path[1]], *path[2:]]
