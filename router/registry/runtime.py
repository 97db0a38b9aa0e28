"""The registry at run time: compose from stored services, swap atomically, poll.

Every change follows the same order: gather the subgraph SDLs, compose them, build
the complete new router state, and only then write the new supergraph version and
swap ``StateHolder.current``. A failing composition returns its errors before any
write, so the serving graph and the database stay as they were.

Each service's stored request settings (``timeout_s``, ``headers`` to forward,
``use_msgpack``) are handed to the subgraph client whenever the registry reads or
writes the rows; a flag-only change needs no recomposition and applies to the next
request.

The active supergraph version in the database is the truth several routers share:
each router polls it (``GATEWAY_SYNC_INTERVAL_S``) and loads it when its hash
differs from the one being served.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from planner import SupergraphError
from planner.compose import Subgraph, compose
from router.config.settings import Settings
from router.execution.subgraph_client import SubgraphClient, SubgraphSettings
from router.ops.warmup import recent_operations, warm_up
from router.registry.config import RegistryConfig
from router.registry.database import check_migrated, make_engine
from router.registry.fetch import FetchResult, SdlFetcher
from router.registry.store import RegistryStore, ServiceRow, sdl_hash
from router.state import GatewayState, StateHolder, build_state

log = logging.getLogger("router.registry")

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")


class RegistryError(Exception):
    """A change the registry refuses; ``errors`` are GraphQL-style error dicts."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "registry error")
        self.status = status
        self.errors = errors

    @classmethod
    def single(cls, status: int, code: str, message: str) -> RegistryError:
        return cls(status, [{"message": message, "extensions": {"code": code}}])


@dataclass
class ServiceStatus:
    """What this router last saw of one service (not shared between routers)."""

    healthy: bool | None = None
    latency_ms: float | None = None
    error: str | None = None
    schema_source: str = "none"
    """``live`` (fetched), ``cached`` (stored SDL used), ``dropped``, ``disabled``, ``none``."""
    checked_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "latency_ms": self.latency_ms,
            "error": self.error,
            "schema_source": self.schema_source,
            "checked_at": self.checked_at,
        }


@dataclass(frozen=True)
class Input:
    """One subgraph as it goes into composition."""

    name: str
    url: str
    sdl: str
    schema_version_id: int | None

    def meta(self) -> dict[str, Any]:
        return {"schema_version_id": self.schema_version_id, "hash": sdl_hash(self.sdl)}


@dataclass
class Active:
    """The supergraph version this router serves."""

    id: int
    hash: str
    services: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Composed:
    """A composition that succeeded, with the router state already built from it."""

    sdl: str
    state: GatewayState


class Registry:
    def __init__(
        self,
        config: RegistryConfig,
        settings: Settings,
        client: SubgraphClient,
        holder: StateHolder,
    ) -> None:
        self.config = config
        self.settings = settings
        self.client = client
        self.holder = holder
        self.store = RegistryStore(make_engine(config.database_url))
        self.fetcher = SdlFetcher()
        self.lock = asyncio.Lock()
        self.status: dict[str, ServiceStatus] = {}
        self.active: Active | None = None
        self.last_composition_errors: list[dict[str, Any]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._dropped: set[str] = set()

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Refuse an un-migrated database, serve the active version, then recompose."""
        await check_migrated(self.store.engine)
        self._apply_settings(await self.store.services())
        version = await self.store.active_version()
        if version is not None:
            try:
                await self._install(version.sdl, version.id, version.service_versions)
            except SupergraphError as exc:
                log.error("stored supergraph version %s is invalid: %s", version.id, exc)
        async with self.lock:
            await self._refresh("startup", "startup")
        if self.config.poll_interval_s > 0:
            self._tasks.append(
                asyncio.create_task(self._every(self.config.poll_interval_s, self.poll))
            )
        if self.config.sync_interval_s > 0:
            self._tasks.append(
                asyncio.create_task(self._every(self.config.sync_interval_s, self.sync))
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.fetcher.close()
        await self.store.close()

    async def _every(self, seconds: float, job: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:  # a database blip must not end the loop
                log.exception("registry background job failed")

    # --- background jobs -----------------------------------------------------------------

    async def poll(self) -> None:
        async with self.lock:
            await self._refresh("poller", "poll")

    async def sync(self) -> None:
        """Load the active version when another router activated a different one."""
        marker = await self.store.active_marker()
        if marker is None and self.active is not None:
            async with self.lock:  # another router removed the last service
                if await self.store.active_marker() is None:
                    self.holder.current = None
                    self.active = None
            return
        if marker is None or (self.active is not None and self.active.hash == marker[1]):
            return
        async with self.lock:
            version = await self.store.active_version()
            if version is None or (self.active is not None and self.active.hash == version.hash):
                return
            self._apply_settings(await self.store.services())
            await self._install(version.sdl, version.id, version.service_versions)
            log.info("converged on supergraph version %s (%s)", version.id, version.hash[:12])

    # --- operations used by the admin API ------------------------------------------------

    async def refresh(self, actor: str) -> dict[str, Any]:
        async with self.lock:
            changed = await self._refresh(actor, "refresh")
        return {"changed": changed, "supergraph": self.active_json()}

    async def add_service(self, values: dict[str, Any], actor: str) -> dict[str, Any]:
        name = values["name"]
        async with self.lock:
            if await self.store.service(name) is not None:
                raise RegistryError.single(
                    409, "SERVICE_EXISTS", f"A service named {name!r} is already registered."
                )
            fetched = await self._fetch(values["url"], values.get("timeout_s"))
            self._note(name, fetched, "live")
            if fetched.sdl is None:
                raise RegistryError.single(
                    422, fetched.code or "SUBGRAPH_UNREACHABLE", fetched.error or ""
                )
            inputs = await self._current_inputs()
            inputs[name] = Input(name, values["url"], fetched.sdl, None)
            composed = await self._compose_checked(inputs)
            row, schema_id = await self.store.add_service(values, fetched.sdl, actor)
            self.client.configure(name, subgraph_settings(row))
            inputs[name] = Input(name, row.url, fetched.sdl, schema_id)
            await self._activate_new(composed, inputs, actor, f"add {name}")
            return {"service": self.service_json(row), "supergraph": self.active_json()}

    async def update_service(
        self, name: str, changes: dict[str, Any], actor: str
    ) -> dict[str, Any]:
        async with self.lock:
            row = await self.store.service(name)
            if row is None:
                raise RegistryError.single(404, "SERVICE_NOT_FOUND", f"No service named {name!r}.")
            url = changes.get("url", row.url)
            enabled = changes.get("enabled", row.enabled)
            affects_graph = url != row.url or enabled != row.enabled
            if not affects_graph:
                updated = await self.store.update_service(name, changes, actor)
                self.client.configure(name, subgraph_settings(updated))  # no recompose needed
                return {"service": self.service_json(updated), "supergraph": self.active_json()}
            inputs = await self._current_inputs()
            sdl_fetched: str | None = None
            if enabled:
                fetched = await self._fetch(url, changes.get("timeout_s", row.timeout_s))
                self._note(name, fetched, "live")
                if fetched.sdl is None:
                    raise RegistryError.single(
                        422, fetched.code or "SUBGRAPH_UNREACHABLE", fetched.error or ""
                    )
                sdl_fetched = fetched.sdl
                inputs[name] = Input(name, url, fetched.sdl, None)
            else:
                inputs.pop(name, None)
            composed = await self._compose_checked(inputs) if inputs else None
            updated = await self.store.update_service(name, changes, actor, sdl=sdl_fetched)
            self.client.configure(name, subgraph_settings(updated))
            if not enabled:
                self.status[name] = ServiceStatus(schema_source="disabled")
            elif updated.cached_sdl is not None:
                inputs[name] = Input(name, url, updated.cached_sdl, updated.cached_schema_id)
            await self._activate_new(composed, inputs, actor, f"update {name}")
            return {"service": self.service_json(updated), "supergraph": self.active_json()}

    async def delete_service(self, name: str, actor: str) -> dict[str, Any]:
        async with self.lock:
            if await self.store.service(name) is None:
                raise RegistryError.single(404, "SERVICE_NOT_FOUND", f"No service named {name!r}.")
            inputs = await self._current_inputs()
            inputs.pop(name, None)
            composed = await self._compose_checked(inputs) if inputs else None
            await self.store.delete_service(name, actor)
            self.client.configure(name, None)
            self.status.pop(name, None)
            await self._activate_new(composed, inputs, actor, f"delete {name}")
            return {"removed": name, "supergraph": self.active_json()}

    async def activate(self, version_id: int, actor: str) -> dict[str, Any]:
        async with self.lock:
            version = await self.store.version(version_id)
            if version is None:
                raise RegistryError.single(
                    404, "VERSION_NOT_FOUND", f"No supergraph version {version_id}."
                )
            try:
                state = await self._built(version.sdl, version.id)
            except SupergraphError as exc:
                raise RegistryError.single(422, "INVALID_SUPERGRAPH", str(exc)) from exc
            await self.store.activate(version_id, actor)
            self._swap(state, version.id, version.hash, version.service_versions)
            return {"supergraph": self.active_json()}

    # --- views ---------------------------------------------------------------------------

    def active_json(self) -> dict[str, Any] | None:
        if self.active is None:
            return None
        return {"id": self.active.id, "hash": self.active.hash}

    def service_json(self, row: ServiceRow) -> dict[str, Any]:
        status = self.status.get(row.name) or ServiceStatus(
            schema_source="disabled" if not row.enabled else "none"
        )
        return {
            "name": row.name,
            "url": row.url,
            "enabled": row.enabled,
            "use_msgpack": row.use_msgpack,
            "headers": row.headers,
            "timeout_s": row.timeout_s,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "schema_hash": row.cached_hash,
            "schema_fetched_at": row.cached_at,
            "in_supergraph": self.active is not None and row.name in self.active.services,
            "status": status.as_json(),
        }

    def health_report(self, body: dict[str, Any]) -> None:
        """Add the registry's view to ``/health/detailed`` (degrade marks services unhealthy)."""
        services = {name: s.as_json() for name, s in sorted(self.status.items())}
        degraded = [
            name
            for name, s in self.status.items()
            if s.schema_source == "cached" and self.config.fallback == "degrade"
        ]
        body["registry"] = {
            "fallback": self.config.fallback,
            "supergraphVersion": self.active_json(),
            "services": services,
            "cachedSchemas": sorted(
                n for n, s in self.status.items() if s.schema_source == "cached"
            ),
            "droppedServices": sorted(
                n for n, s in self.status.items() if s.schema_source == "dropped"
            ),
            "lastCompositionErrors": self.last_composition_errors,
        }
        subgraphs = body.get("subgraphs")
        for name in degraded:
            if isinstance(subgraphs, dict) and isinstance(subgraphs.get(name), dict):
                subgraphs[name]["healthy"] = False
        if degraded and body.get("status") == "ok":
            body["status"] = "degraded"

    # --- internals -----------------------------------------------------------------------

    async def _fetch(self, url: str, timeout_s: float | None) -> FetchResult:
        limit = self.config.fetch_timeout_s
        return await self.fetcher.fetch(url, min(timeout_s or limit, limit))

    def _apply_settings(self, rows: list[ServiceRow]) -> None:
        """Make the subgraph client use every service's stored timeout, headers, msgpack."""
        self.client.configure_all({row.name: subgraph_settings(row) for row in rows})

    def _note(self, name: str, fetched: FetchResult, source: str) -> None:
        self.status[name] = ServiceStatus(
            healthy=fetched.sdl is not None,
            latency_ms=fetched.latency_ms,
            error=fetched.error,
            schema_source=source if fetched.sdl is not None else "none",
            checked_at=time.time(),
        )

    async def _current_inputs(self) -> dict[str, Input]:
        """The enabled services composed into the active version, with their stored SDL."""
        served = self.active.services if self.active else {}
        inputs: dict[str, Input] = {}
        for row in await self.store.services():
            if row.enabled and row.name in served and row.cached_sdl is not None:
                inputs[row.name] = Input(row.name, row.url, row.cached_sdl, row.cached_schema_id)
        return inputs

    async def _refresh(self, actor: str, reason: str) -> bool:
        """Re-fetch every enabled service (with the fallback) and recompose on a change.

        At start the fetched inputs are compared with the active version. Afterwards
        only a change this router observes recomposes: an SDL that differs from the
        stored one, or a service dropping out or coming back. So a rollback
        (``activate``) holds, and routers sharing a registry do not recompose what
        another router already composed (they converge through ``sync``)."""
        rows = await self.store.services()
        self._apply_settings(rows)  # picks up flag changes made through another router
        enabled = [r for r in rows if r.enabled]
        for row in rows:
            if not row.enabled:
                self.status[row.name] = ServiceStatus(schema_source="disabled")
        results = await asyncio.gather(*(self._fetch(r.url, r.timeout_s) for r in enabled))
        inputs: dict[str, Input] = {}
        new_sdl = False
        for row, fetched in zip(enabled, results, strict=True):
            if fetched.sdl is not None:
                self._note(row.name, fetched, "live")
                schema_id, _, is_new = await self.store.record_schema(row.id, fetched.sdl)
                new_sdl = new_sdl or is_new
                inputs[row.name] = Input(row.name, row.url, fetched.sdl, schema_id)
                continue
            self._note(row.name, fetched, "none")
            if self.config.fallback == "drop" or row.cached_sdl is None:
                self.status[row.name].schema_source = "dropped"
                log.warning("%s left out of the supergraph: %s", row.name, fetched.error)
                continue
            self.status[row.name].schema_source = "cached"
            log.warning("%s: using its cached SDL: %s", row.name, fetched.error)
            inputs[row.name] = Input(row.name, row.url, row.cached_sdl, row.cached_schema_id)
        dropped = {n for n, st in self.status.items() if st.schema_source == "dropped"}
        if self.active is not None:
            if reason == "startup":
                unchanged = _same_inputs(self.active.services, inputs)
            else:
                unchanged = not new_sdl and dropped == self._dropped
            self._dropped = dropped
            if unchanged:
                return False
        self._dropped = dropped
        if not inputs:
            if self.active is None:
                return False
            await self._activate_new(None, inputs, actor, reason)
            return True
        try:
            composed = await self._compose_checked(inputs)
        except RegistryError as exc:
            log.error("recomposition (%s) failed, keeping the current supergraph: %s", reason, exc)
            return False
        await self._activate_new(composed, inputs, actor, reason)
        return True

    async def _compose_checked(self, inputs: dict[str, Input]) -> Composed:
        """Compose and build the state off the event loop; RegistryError on any failure."""
        subgraphs = [Subgraph(i.name, i.url, i.sdl) for i in sorted(inputs.values(), key=_name)]
        result = await asyncio.to_thread(compose, subgraphs)
        if not result.ok or result.supergraph_sdl is None:
            errors = [
                {
                    "message": e.message,
                    "extensions": {
                        "code": e.code,
                        "subgraphs": list(e.subgraphs),
                        "elements": list(e.elements),
                    },
                }
                for e in result.errors
            ]
            self.last_composition_errors = errors
            raise RegistryError(422, errors)
        try:
            state = await self._built(result.supergraph_sdl, 0)
        except SupergraphError as exc:
            error = RegistryError.single(422, "INVALID_SUPERGRAPH", str(exc))
            self.last_composition_errors = error.errors
            raise error from exc
        self.last_composition_errors = []
        return Composed(result.supergraph_sdl, state)

    def _build(self, sdl: str, version_id: int) -> GatewayState:
        return build_state(
            sdl, f"registry:supergraph-version/{version_id}", self.settings, self.client
        )

    async def _built(self, sdl: str, version_id: int) -> GatewayState:
        """A new state, built in a thread, then warmed up on the loop with the live
        state's busiest operations (see ops/warmup.py) before anything swaps it in."""
        warm = recent_operations(self.holder.current, self.settings)
        state = await asyncio.to_thread(self._build, sdl, version_id)
        if warm:
            await warm_up(state, warm, self.settings)
        return state

    async def _activate_new(
        self, composed: Composed | None, inputs: dict[str, Input], actor: str, reason: str
    ) -> None:
        """Store and activate a composed supergraph (or clear the graph when no services)."""
        services = {i.name: {**i.meta(), "url": i.url} for i in inputs.values()}
        if composed is None:
            await self.store.deactivate_all(actor, reason)
            self.holder.current = None
            self.active = None
            return
        digest = sdl_hash(composed.sdl)
        marker = await self.store.active_marker()
        if marker is not None and marker[1] == digest:
            version_id = marker[0]  # another router composed the same graph already
        else:
            version = await self.store.add_version(composed.sdl, services, actor, reason)
            version_id = version.id
        self._swap(composed.state, version_id, digest, services)
        log.info("supergraph version %s active (%s)", version_id, reason)

    async def _install(self, sdl: str, version_id: int, services: dict[str, Any]) -> None:
        state = await self._built(sdl, version_id)
        self._swap(state, version_id, sdl_hash(sdl), services)

    def _swap(
        self, state: GatewayState, version_id: int, digest: str, services: dict[str, Any]
    ) -> None:
        state = dataclasses.replace(state, source=f"registry:supergraph-version/{version_id}")
        self.holder.current = state  # the atomic swap: one reference assignment
        self.holder.last_reload_error = None
        self.active = Active(version_id, digest, dict(services))


def subgraph_settings(row: ServiceRow) -> SubgraphSettings:
    """What a stored service row means for the requests the router sends it."""
    return SubgraphSettings(row.timeout_s, tuple(row.headers), row.use_msgpack)


def _name(i: Input) -> str:
    return i.name


def _same_inputs(served: dict[str, Any], inputs: dict[str, Input]) -> bool:
    if set(served) != set(inputs):
        return False
    return all(
        served[n].get("hash") == sdl_hash(i.sdl) and served[n].get("url") == i.url
        for n, i in inputs.items()
    )
