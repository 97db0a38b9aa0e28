"""The supergraph this router serves, and the one way to replace it.

Both the admin use cases (``usecases``) and the background jobs (``sync``) change
the served graph; they share this object so they share its rules: compose and build
the complete router state first (off the event loop), write the new version only
once that succeeded, then swap ``StateHolder.current`` in one assignment. A failure
raises before any write, so the serving graph and the database stay as they were.

It also keeps what this router last saw of each service (``ServiceStatus``); that is
per router, never shared through the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from planner import SupergraphError
from planner.compose import Subgraph, compose
from router.config.settings import Settings
from router.execution.subgraph_client import SubgraphClient, SubgraphSettings
from router.ops.warmup import recent_operations, warm_up
from router.registry.config import RegistryConfig
from router.registry.errors import CompositionFailed, InvalidSupergraph, RegistryError
from router.registry.fetch import FetchResult, SdlFetcher
from router.registry.store import RegistryStore, ServiceRow, sdl_hash
from router.state import GatewayState, StateHolder, build_state

log = logging.getLogger("router.registry")


@dataclass
class ServiceStatus:
    """What this router last saw of one service (not shared between routers)."""

    healthy: bool | None = None
    latency_ms: float | None = None
    error: str | None = None
    schema_source: str = "none"
    """``live`` (fetched), ``cached`` (stored SDL used), ``dropped``, ``disabled``, ``none``."""
    checked_at: float | None = None

    @classmethod
    def seen(
        cls, fetched: FetchResult, source: str, checked_at: float | None = None
    ) -> ServiceStatus:
        """The status after a fetch (at ``checked_at``, default now); ``source`` applies
        only when the fetch returned an SDL."""
        return cls(
            healthy=fetched.sdl is not None,
            latency_ms=fetched.latency_ms,
            error=fetched.error,
            schema_source=source if fetched.sdl is not None else "none",
            checked_at=time.time() if checked_at is None else checked_at,
        )


@dataclass(frozen=True)
class Input:
    """One subgraph as it goes into composition."""

    name: str
    url: str
    sdl: str
    schema_version_id: int | None

    def meta(self) -> dict[str, Any]:
        return {"schema_version_id": self.schema_version_id, "hash": sdl_hash(self.sdl)}


@dataclass(frozen=True)
class Active:
    """The supergraph version this router serves (replaced, never changed in place)."""

    id: int
    hash: str
    services: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Composed:
    """A composition that succeeded, with the router state already built from it."""

    sdl: str
    state: GatewayState


class ServedGraph:
    """The served supergraph, its lock, and what this router saw of each service.

    Every change holds ``lock`` from its first read to its swap, so two changes never
    compose from the same starting point and overwrite each other."""

    def __init__(
        self,
        config: RegistryConfig,
        settings: Settings,
        client: SubgraphClient,
        holder: StateHolder,
        store: RegistryStore,
    ) -> None:
        self.config = config
        self.settings = settings
        self.client = client
        self.holder = holder
        self.store = store
        self.fetcher = SdlFetcher()
        self.lock = asyncio.Lock()
        self.status: dict[str, ServiceStatus] = {}
        self.active: Active | None = None
        self.composition_failure: RegistryError | None = None
        """Why the last background recomposition kept the old graph (None once one works)."""

    async def fetch(self, url: str, timeout_s: float | None) -> FetchResult:
        limit = self.config.fetch_timeout_s
        return await self.fetcher.fetch(url, min(timeout_s or limit, limit))

    def apply_settings(self, rows: list[ServiceRow]) -> None:
        """Make the subgraph client use every service's stored timeout, headers, msgpack."""
        self.client.configure_all({row.name: subgraph_settings(row) for row in rows})

    async def current_inputs(self) -> dict[str, Input]:
        """The enabled services composed into the active version, with their stored SDL."""
        served = self.active.services if self.active else {}
        inputs: dict[str, Input] = {}
        for row in await self.store.services():
            if row.enabled and row.name in served and row.cached_sdl is not None:
                inputs[row.name] = Input(row.name, row.url, row.cached_sdl, row.cached_schema_id)
        return inputs

    async def compose(self, inputs: dict[str, Input]) -> Composed:
        """Compose and build the state off the event loop.

        Raises ``CompositionFailed`` or ``InvalidSupergraph``; changes nothing."""
        subgraphs = [Subgraph(i.name, i.url, i.sdl) for i in sorted(inputs.values(), key=_name)]
        result = await asyncio.to_thread(compose, subgraphs)
        if not result.ok or result.supergraph_sdl is None:
            raise CompositionFailed(list(result.errors))
        state = await self.build(result.supergraph_sdl, 0)
        return Composed(result.supergraph_sdl, state)

    async def build(self, sdl: str, version_id: int) -> GatewayState:
        """The router state for a supergraph SDL, off the event loop; ``InvalidSupergraph``.

        Then warmed up on the loop with the live state's busiest operations (see
        ops/warmup.py), so it goes live with them planned."""
        warm = recent_operations(self.holder.current, self.settings)
        try:
            state = await asyncio.to_thread(
                build_state,
                sdl,
                f"registry:supergraph-version/{version_id}",
                self.settings,
                self.client,
            )
        except SupergraphError as exc:
            raise InvalidSupergraph(str(exc)) from exc
        if warm:
            await warm_up(state, warm, self.settings)
        return state

    async def publish(
        self, composed: Composed | None, inputs: dict[str, Input], actor: str, reason: str
    ) -> None:
        """Store and activate a composed supergraph (or clear the graph when no services)."""
        self.composition_failure = None  # the registered services compose again
        services = {i.name: {**i.meta(), "url": i.url} for i in inputs.values()}
        if composed is None:
            await self.store.deactivate_all(actor, reason)
            self.holder.current = None
            self.active = None
            log.info("no supergraph active (%s)", reason)
            return
        digest = sdl_hash(composed.sdl)
        marker = await self.store.active_marker()
        if marker is not None and marker[1] == digest:
            version_id = marker[0]  # another router composed the same graph already
        else:
            version = await self.store.add_version(composed.sdl, services, actor, reason)
            version_id = version.id
        self.swap(composed.state, version_id, digest, services)
        log.info("supergraph version %s active (%s)", version_id, reason)

    async def install(self, sdl: str, version_id: int, services: dict[str, Any]) -> None:
        """Serve a stored version as it is (start-up, convergence); ``InvalidSupergraph``."""
        state = await self.build(sdl, version_id)
        self.swap(state, version_id, sdl_hash(sdl), services)

    def swap(
        self, state: GatewayState, version_id: int, digest: str, services: dict[str, Any]
    ) -> None:
        state = dataclasses.replace(state, source=f"registry:supergraph-version/{version_id}")
        self.holder.current = state  # the atomic swap: one reference assignment
        self.holder.last_reload_error = None
        self.active = Active(version_id, digest, dict(services))

    def clear(self) -> None:
        """Serve nothing (another router removed the last service)."""
        self.holder.current = None
        self.active = None


def subgraph_settings(row: ServiceRow) -> SubgraphSettings:
    """What a stored service row means for the requests the router sends it."""
    urls = tuple(dict.fromkeys((row.url, *row.urls))) if row.urls else ()
    return SubgraphSettings(row.timeout_s, tuple(row.headers), row.use_msgpack, urls)


def _name(i: Input) -> str:
    return i.name
