"""Plugins: classes with optional hooks at the pipeline's stages.

Modelled on Apollo Router's service stages and Hive Gateway's plugin hooks. A plugin
subclasses ``Plugin`` and overrides only the hooks it needs; ``Plugins`` keeps, per
stage, the bound hooks of the plugins that override it, so a stage no plugin hooks
costs one empty-tuple test per request and nothing more.

The stages, in request order (see ``router.app``):

``on_request(ctx)``
    The HTTP request is read (``ctx.graphql``); nothing is parsed yet. Auth, rate
    limits and CSRF-like checks belong here.
``on_operation(ctx, operation)``
    The operation is parsed, limited, validated and planned (cached); its name, hash
    and kind are on ``ctx``. Per-operation policy belongs here.
``on_subgraph_request(ctx, request)`` / ``on_subgraph_response(ctx, request, response)``
    Around each subgraph fetch of the execution: a hook may set headers on
    ``request.headers``; they are sent, and they are part of the key under which
    identical in-flight fetches are shared.
``on_response(ctx, response)``
    The response is about to be encoded: every request gets here, refused or not,
    so metrics and usage see every outcome. A hook may add ``ctx.response_headers``.
``after_response(ctx, body, size)``
    Synchronous, after encoding: ``size`` is the encoded body's length in bytes.
    For recorders (usage, audit) whose work is a dict update: no I/O, no await.

Any hook before the response may short-circuit the request by raising
``RequestError`` (an HTTP status, coded GraphQL errors, optional headers), or answer
it by raising ``Respond`` (a complete response, e.g. from a cache): the stages after
the hook are skipped and ``on_response`` still runs. An ``on_subgraph_request`` hook
may likewise answer one fetch itself by setting ``request.answer`` (the fetch is not
sent; ``on_subgraph_response`` still runs), and may change ``request.variables``
(what is sent). ``start``
and ``stop`` run at the app's lifespan edges (stop in reverse order, after in-flight
requests have finished); ``setup`` runs once when the app is built, to add routes;
``health`` adds a section to ``/health/detailed``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from router.config.settings import PluginSpec

if TYPE_CHECKING:
    from fastapi import FastAPI

    from router.execution.subgraph_client import SubgraphResponse
    from router.operation.prepare import CompiledOperation
    from router.pipeline.context import RequestContext


@dataclass(slots=True)
class SubgraphRequest:
    """One subgraph fetch as plugins see it before it is sent."""

    service_name: str
    url: str
    operation: str
    variables: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers to send (added by plugins)."""
    answer: SubgraphResponse | None = None
    """Set by a hook to answer this fetch without sending it (e.g. from a cache)."""


@dataclass(slots=True)
class ResponseOut:
    """The response about to be encoded."""

    status: int
    body: dict[str, Any]
    """``{"data": ..., "errors": [...]}`` as plain values."""


class Respond(Exception):
    """Raised by a hook before the response to answer the request now with ``body``
    (status 200 unless given): the remaining stages are skipped, ``on_response`` runs.
    The general short-circuit for a successful answer, as ``RequestError`` is for a
    refusal; the response cache answers hits with it."""

    def __init__(
        self, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__("respond")
        self.body = body
        self.status = status
        self.headers = headers


class Plugin:
    """Base class for plugins; every hook is optional."""

    name = "plugin"

    def setup(self, app: FastAPI) -> None:
        """Called once while the app is built (``app.state`` has ``settings``,
        ``holder`` and ``client``): add routes here."""

    async def start(self) -> None:
        """Called at start-up, after the supergraph is loaded, in plugin order."""

    async def stop(self) -> None:
        """Called at shutdown, after in-flight requests finished, in reverse order."""

    def health(self, body: dict[str, Any]) -> None:
        """Add this plugin's section to the ``/health/detailed`` body."""

    async def on_request(self, ctx: RequestContext) -> None:
        """The HTTP request is read (``ctx.graphql``)."""

    async def on_operation(self, ctx: RequestContext, operation: CompiledOperation) -> None:
        """The operation is prepared (parsed, validated, planned)."""

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        """A subgraph fetch is about to be sent."""

    async def on_subgraph_response(
        self, ctx: RequestContext, request: SubgraphRequest, response: SubgraphResponse
    ) -> None:
        """A subgraph fetch came back (or failed: ``response.failure``)."""

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        """The response is about to be encoded (every request, refused or not)."""

    def after_response(self, ctx: RequestContext, body: dict[str, Any], size: int) -> None:
        """The response is encoded (``size`` bytes); synchronous: record, never wait."""


_HOOKS = (
    "on_request",
    "on_operation",
    "on_subgraph_request",
    "on_subgraph_response",
    "on_response",
)


def _overridden(plugins: Iterable[Plugin], hook: str) -> tuple[Callable[..., Awaitable[None]], ...]:
    base = getattr(Plugin, hook)
    return tuple(getattr(p, hook) for p in plugins if getattr(type(p), hook) is not base)


class Plugins:
    """The plugins of one app, with each stage's hooks resolved once."""

    def __init__(self, plugins: Iterable[Plugin] = ()) -> None:
        self.all: tuple[Plugin, ...] = tuple(plugins)
        self._resolve()

    def add(self, plugin: Plugin) -> None:
        """Append a plugin (before the app starts) and re-resolve the stages."""
        self.all += (plugin,)
        self._resolve()

    def _resolve(self) -> None:
        self.on_request = _overridden(self.all, "on_request")
        self.on_operation = _overridden(self.all, "on_operation")
        self.on_subgraph_request = _overridden(self.all, "on_subgraph_request")
        self.on_subgraph_response = _overridden(self.all, "on_subgraph_response")
        self.on_response = _overridden(self.all, "on_response")
        self.after_response: tuple[Callable[[RequestContext, dict[str, Any], int], None], ...]
        self.after_response = tuple(
            p.after_response
            for p in self.all
            if type(p).after_response is not Plugin.after_response
        )
        self.around_subgraphs = bool(self.on_subgraph_request or self.on_subgraph_response)
        """Whether the executor must build ``SubgraphRequest`` objects at all."""

    async def start(self) -> None:
        started: list[Plugin] = []
        try:
            for plugin in self.all:
                await plugin.start()
                started.append(plugin)
        except BaseException:
            for plugin in reversed(started):
                await plugin.stop()
            raise

    async def stop(self) -> None:
        """Stop every plugin (reverse order); one failing stop does not skip the others."""
        failure: BaseException | None = None
        for plugin in reversed(self.all):
            try:
                await plugin.stop()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def health(self, body: dict[str, Any]) -> None:
        for plugin in self.all:
            plugin.health(body)


class PluginLoadError(ValueError):
    """A configured plugin cannot be imported or built."""


def load_plugin(spec: PluginSpec) -> Plugin:
    """Build a plugin from ``module:Class`` and its options (``plugins:`` in router.yaml)."""
    module_name, sep, attribute = spec.factory.partition(":")
    if not sep or not module_name or not attribute:
        raise PluginLoadError(f"plugin {spec.factory!r}: expected 'module:Class'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise PluginLoadError(f"plugin {spec.factory!r}: {exc}") from exc
    try:
        plugin = factory(**dict(spec.options))
    except TypeError as exc:
        raise PluginLoadError(f"plugin {spec.factory!r}: bad options: {exc}") from exc
    if not isinstance(plugin, Plugin):
        raise PluginLoadError(f"plugin {spec.factory!r} is not a router.pipeline.Plugin")
    return plugin
