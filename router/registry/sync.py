"""Keeping the served graph current without anyone asking: start-up, polling, convergence.

Two background jobs run while the router serves:

- the *poller* (``GATEWAY_POLL_INTERVAL_S``) re-fetches every enabled service's SDL
  and recomposes when something it observes changed (``refetch``, which ``POST
  /refresh`` also runs on demand);
- the *sync* (``GATEWAY_SYNC_INTERVAL_S``) follows the active supergraph version in
  the database, the truth several routers share: when another router activated a
  different one, this router loads it.

A job that fails (a database blip) logs and runs again at its next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from router.registry.errors import InvalidSupergraph, RegistryError
from router.registry.graph import Input, ServedGraph, ServiceStatus
from router.registry.store import sdl_hash

log = logging.getLogger("router.registry")


class Sync:
    """Start-up loading and the two background jobs over one ``ServedGraph``."""

    def __init__(self, graph: ServedGraph) -> None:
        self.graph = graph
        self._tasks: list[asyncio.Task[None]] = []
        self._dropped: set[str] = set()

    async def start(self) -> None:
        """Serve the active version at once, recompose from the services, start the jobs."""
        graph = self.graph
        graph.apply_settings(await graph.store.services())
        version = await graph.store.active_version()
        if version is not None:
            try:
                await graph.install(version.sdl, version.id, version.service_versions)
            except InvalidSupergraph as exc:
                log.error("stored supergraph version %s is invalid: %s", version.id, exc)
        async with graph.lock:
            await self.refetch("startup", "startup")
        if graph.active is None:
            graph.log_empty_hint(len(await graph.store.services()))
        if graph.config.poll_interval_s > 0:
            self._spawn(graph.config.poll_interval_s, self.poll)
        if graph.config.sync_interval_s > 0:
            self._spawn(graph.config.sync_interval_s, self.sync)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def _spawn(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        self._tasks.append(asyncio.create_task(_every(seconds, job)))

    async def poll(self) -> None:
        async with self.graph.lock:
            await self.refetch("poller", "poll")

    async def sync(self) -> None:
        """Load the active version when another router activated a different one."""
        graph = self.graph
        marker = await graph.store.active_marker()
        if marker is None and graph.active is not None:
            async with graph.lock:  # another router removed the last service
                if await graph.store.active_marker() is None:
                    graph.clear()
            return
        if marker is None or (graph.active is not None and graph.active.hash == marker[1]):
            return
        async with graph.lock:
            version = await graph.store.active_version()
            if version is None or (graph.active is not None and graph.active.hash == version.hash):
                return
            graph.apply_settings(await graph.store.services())
            await graph.install(version.sdl, version.id, version.service_versions)
            log.info("converged on supergraph version %s (%s)", version.id, version.hash[:12])

    async def refetch(self, actor: str, reason: str) -> bool:
        """Re-fetch every enabled service (with the fallback) and recompose on a change.

        The caller holds the graph's lock. At start the fetched inputs are compared
        with the active version. Afterwards only a change this router observes
        recomposes: an SDL that differs from the stored one, or a service dropping
        out or coming back. So a rollback (``activate``) holds, and routers sharing a
        registry do not recompose what another router already composed (they
        converge through ``sync``). A failing recomposition keeps the served graph
        and is reported in ``/health/detailed`` (``lastCompositionErrors``)."""
        graph = self.graph
        rows = await graph.store.services()
        graph.apply_settings(rows)  # picks up flag changes made through another router
        enabled = [r for r in rows if r.enabled]
        for row in rows:
            if not row.enabled:
                graph.status[row.name] = ServiceStatus(schema_source="disabled")
        results = await asyncio.gather(*(graph.fetch(r.url, r.timeout_s) for r in enabled))
        inputs: dict[str, Input] = {}
        new_sdl = False
        for row, fetched in zip(enabled, results, strict=True):
            if fetched.sdl is not None:
                graph.status[row.name] = ServiceStatus.seen(fetched, "live")
                schema_id, _, is_new = await graph.store.record_schema(row.id, fetched.sdl)
                new_sdl = new_sdl or is_new
                inputs[row.name] = Input(row.name, row.url, fetched.sdl, schema_id)
                continue
            status = graph.status[row.name] = ServiceStatus.seen(fetched, "none")
            if graph.config.fallback == "drop" or row.cached_sdl is None:
                status.schema_source = "dropped"
                log.warning("%s left out of the supergraph: %s", row.name, fetched.error)
                continue
            status.schema_source = "cached"
            log.warning("%s: using its cached SDL: %s", row.name, fetched.error)
            inputs[row.name] = Input(row.name, row.url, row.cached_sdl, row.cached_schema_id)
        dropped = {n for n, st in graph.status.items() if st.schema_source == "dropped"}
        if graph.active is not None:
            if reason == "startup":
                unchanged = _same_inputs(graph.active.services, inputs)
            else:
                unchanged = not new_sdl and dropped == self._dropped
            self._dropped = dropped
            if unchanged:
                return False
        self._dropped = dropped
        if not inputs:
            if graph.active is None:
                return False
            await graph.publish(None, inputs, actor, reason)
            return True
        try:
            composed = await graph.compose(inputs)
        except RegistryError as exc:
            graph.composition_failure = exc
            log.error("recomposition (%s) failed, keeping the current supergraph: %s", reason, exc)
            return False
        await graph.publish(composed, inputs, actor, reason)
        return True


async def _every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:  # a database blip must not end the loop
            log.exception("registry background job failed")


def _same_inputs(served: dict[str, Any], inputs: dict[str, Input]) -> bool:
    if set(served) != set(inputs):
        return False
    return all(
        served[n].get("hash") == sdl_hash(i.sdl) and served[n].get("url") == i.url
        for n, i in inputs.items()
    )
