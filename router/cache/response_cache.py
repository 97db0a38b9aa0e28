"""The response cache: whole query responses, keyed by what makes them differ.

Key = sha256 of (supergraph hash, the normalised operation (its printed AST) and
name, the variables (sorted JSON), the ``vary_headers`` values, and for ``PRIVATE``
responses the caller's identity). ``PUBLIC`` entries are shared by every caller;
``PRIVATE`` ones exist only for an identified caller (``ctx.client``) and are never
stored for an anonymous one. An operation that selects ``@authenticated`` /
``@requiresScopes`` fields is always ``PRIVATE``: what it returns depends on who asks.

Hits are answered in ``on_operation`` (after every plugin's ``on_request`` and the
variables' coercion) by raising ``Respond``; misses are stored in ``on_response``
unless the response has errors, its TTL is 0, or the client sent
``Cache-Control: no-store``. ``Cache-Control: no-cache`` skips the lookup (the fresh
answer is stored). The response's ``Cache-Control`` header says ``max-age`` (the TTL
left) and ``public`` / ``private``, or ``no-store`` when it is not cacheable; ``X-Cache``
says ``HIT``, ``MISS`` or ``BYPASS``. A backend error is logged, counted, and the
request runs uncached.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from graphql import print_ast

from planner import LRUCache
from router.cache.hints import CacheHints, CachePolicy
from router.cache.settings import CacheSettings
from router.cache.store import CacheStore
from router.cache.tags import response_tags
from router.pipeline.plugin import Plugin, Respond, ResponseOut

if TYPE_CHECKING:
    from router.operation.prepare import CompiledOperation
    from router.pipeline.context import RequestContext
    from router.state import GatewayState

log = logging.getLogger("router.cache")

NO_STORE = "no-store"
LOG_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class OperationCache:
    """What the cache needs about one compiled operation, computed once."""

    policy: CachePolicy
    document_hash: str
    """sha256 of the printed (normalised) document: whitespace and comments do not matter."""


@dataclass(slots=True)
class _Pending:
    key: str
    prepared: CompiledOperation
    operation: OperationCache
    private: bool
    store: bool
    hit: bool = False
    bypass: bool = False
    """The client's ``no-cache``: not looked up (the answer is stored)."""


class Hints:
    """``CacheHints`` per supergraph and ``OperationCache`` per operation, memoised."""

    def __init__(self, settings: CacheSettings) -> None:
        self.settings = settings
        self._hints: dict[str, CacheHints] = {}
        self._operations: LRUCache[tuple[str, str, str | None], OperationCache] = LRUCache(4096)

    def of(self, state: GatewayState) -> CacheHints:
        hints = self._hints.get(state.sdl_hash)
        if hints is None:
            if len(self._hints) >= 4:  # old supergraphs: reloads replace them
                self._hints.clear()
            hints = self._hints[state.sdl_hash] = CacheHints(state.supergraph, self.settings)
        return hints

    def operation(self, state: GatewayState, prepared: CompiledOperation) -> OperationCache:
        memo_key = (state.sdl_hash, prepared.hash, prepared.name)
        found = self._operations.get(memo_key)
        if found is None:
            hints = self.of(state)
            analysis = prepared.analysis
            root = state.api_schema.get_root_type(analysis.operation.operation)
            policy = hints.policy(analysis.operation.selection_set, root, analysis.fragments)
            printed = print_ast(analysis.document)
            digest = hashlib.sha256(printed.encode("utf-8", "surrogatepass")).hexdigest()
            found = OperationCache(policy, digest)
            self._operations.put(memo_key, found)
        return found


def client_directives(ctx: RequestContext) -> tuple[bool, bool]:
    """(no-cache, no-store) from the client's ``Cache-Control``."""
    header = ctx.http.headers.get("cache-control")
    if not header:
        return False, False
    parts = {p.strip().lower() for p in header[:256].split(",")}
    return "no-cache" in parts or "max-age=0" in parts, NO_STORE in parts


def scope_id(ctx: RequestContext) -> str | None:
    client = ctx.client
    return f"{client.kind}:{client.id}" if client is not None else None


class ResponseCache(Plugin):
    """Caches whole query responses (see the module doc)."""

    name = "response-cache"

    def __init__(self, settings: CacheSettings, store: CacheStore, hints: Hints) -> None:
        self.settings = settings
        self.store = store
        self.hints = hints
        self.vary = tuple(h.lower() for h in settings.vary_headers)
        self.counts = {"hit": 0, "miss": 0, "bypass": 0, "stored": 0, "errors": 0}
        self._counter: Any = None
        self._last_logged = 0.0

    def setup(self, app: Any) -> None:
        from prometheus_client import Counter

        metrics = getattr(app.state, "metrics", None)
        if metrics is not None:
            self._counter = Counter(
                "gateway_cache_requests",
                "Response cache lookups by result (hit, miss, bypass, error)",
                ["cache", "result"],
                registry=metrics.registry,
            )

    def health(self, body: dict[str, Any]) -> None:
        section = body.setdefault("cache", {})
        section["response"] = dict(self.counts)
        section["store"] = self.store.stats()

    async def on_operation(self, ctx: RequestContext, operation: CompiledOperation) -> None:
        state = ctx.state
        if operation.kind != "query" or state is None:
            return
        cached = self.hints.operation(state, operation)
        private = cached.policy.private or bool(operation.restrictions)
        who = scope_id(ctx) if private else None
        if cached.policy.ttl <= 0 or (private and who is None):
            self._count("bypass")
            return
        no_cache, no_store = client_directives(ctx)
        key = self._key(ctx, state, operation, cached, who)
        pending = _Pending(key, operation, cached, private, not no_store)
        ctx.extensions[self.name] = pending
        if no_cache:
            pending.bypass = True
            self._count("bypass")
            return
        try:
            raw = await self.store.get(key)
        except Exception as exc:
            self._failed(exc)
            return
        if raw is None:
            self._count("miss")
            return
        try:
            expires, body = orjson.loads(raw)
            left = float(expires) - time.time()
        except (orjson.JSONDecodeError, TypeError, ValueError) as exc:  # not our entry
            self._failed(exc)
            return
        if left <= 0:
            self._count("miss")
            return
        pending.hit = True
        self._count("hit")
        scope = "private" if private else "public"
        headers = {"Cache-Control": f"max-age={int(left)}, {scope}", "X-Cache": "HIT"}
        raise Respond(body, headers=headers)

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        pending: _Pending | None = ctx.extensions.get(self.name)
        if pending is None:
            headers = ctx.response_headers
            if ctx.operation_kind is not None and not any(
                name.lower() == "cache-control" for name in headers
            ):
                headers["Cache-Control"] = NO_STORE
            return
        if pending.hit:
            return
        body = response.body
        if response.status != 200 or body.get("errors") or "data" not in body:
            ctx.response_headers["Cache-Control"] = NO_STORE
            return
        ttl = pending.operation.policy.ttl
        scope = "private" if pending.private else "public"
        ctx.response_headers["Cache-Control"] = f"max-age={int(ttl)}, {scope}"
        ctx.response_headers["X-Cache"] = "BYPASS" if pending.bypass else "MISS"
        if not pending.store:
            return
        value = orjson.dumps([time.time() + ttl, {"data": body["data"]}])
        if len(value) > self.settings.max_entry_bytes:
            return
        state = ctx.state
        assert state is not None
        try:
            await self.store.set(pending.key, value, ttl, self._tags(state, body["data"], pending))
            self.counts["stored"] += 1
        except Exception as exc:
            self._failed(exc)

    def _tags(self, state: GatewayState, data: Any, pending: _Pending) -> set[str]:
        hints = self.hints.of(state)
        analysis = pending.prepared.analysis
        root = state.api_schema.query_type
        types = pending.operation.policy.types
        if root is None:
            return set(types)
        return response_tags(
            state.api_schema,
            hints.keys,
            data,
            analysis.operation.selection_set,
            root,
            analysis.fragments,
            types,
        )

    def _key(
        self,
        ctx: RequestContext,
        state: GatewayState,
        operation: CompiledOperation,
        cached: OperationCache,
        who: str | None,
    ) -> str:
        graphql = ctx.graphql
        variables = graphql.variables if graphql is not None else None
        headers = ctx.http.headers
        parts = [
            state.sdl_hash,
            cached.document_hash,
            operation.name,
            variables or None,
            [headers.get(h) for h in self.vary],
            who,
        ]
        raw = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
        return "r:" + hashlib.sha256(raw).hexdigest()

    def _count(self, result: str) -> None:
        self.counts[result] += 1
        if self._counter is not None:
            self._counter.labels("response", result).inc()

    def _failed(self, exc: BaseException) -> None:
        self.counts["errors"] += 1
        if self._counter is not None:
            self._counter.labels("response", "error").inc()
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_S:
            self._last_logged = now
            log.error("cache backend error (%s: %s); serving uncached", type(exc).__name__, exc)
