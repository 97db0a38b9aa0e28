"""The changes an operator asks for through the admin API: add, update and delete a
service, activate a stored version (rollback), refresh now.

Each one holds the graph's lock from its first read to its swap and follows the
same order: fetch what it needs, compose and build the new router state, and only
when that worked write the rows, record what it saw and swap. A refusal raises a
``RegistryError`` before any of that, so it changes nothing: not the database, not
the served graph, not what ``/health/detailed`` reports.

Results are domain values with the supergraph they left active; ``presenters``
turns them into JSON.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from planner.checks import CheckReport, check_supergraphs
from planner.compose import Subgraph
from router.registry.checks import BreakingChange, SchemaChecker, summary
from router.registry.errors import ServiceExists, ServiceNotFound, VersionNotFound, sdl_not_fetched
from router.registry.graph import (
    Active,
    Composed,
    Input,
    ServedGraph,
    ServiceStatus,
    subgraph_settings,
)
from router.registry.store import ServiceRow
from router.registry.sync import Sync

log = logging.getLogger("router.registry")


@dataclass(frozen=True)
class ServiceChanged:
    service: ServiceRow
    supergraph: Active | None
    check: CheckReport | None = None
    """The schema check the change passed (or was forced through); None when there
    was nothing to compare with or the graph was not recomposed."""


@dataclass(frozen=True)
class ServiceRemoved:
    name: str
    supergraph: Active | None


@dataclass(frozen=True)
class Refreshed:
    changed: bool
    supergraph: Active | None


class UseCases:
    """The admin operations over the served graph (``sync`` runs ``refresh``)."""

    def __init__(self, graph: ServedGraph, sync: Sync, checker: SchemaChecker) -> None:
        self.graph = graph
        self.sync = sync
        self.checker = checker

    async def check_service(
        self, name: str, sdl: str | None, url: str | None
    ) -> CheckReport | None:
        """What registering ``sdl`` (or the SDL served at ``url``) as service ``name``
        would change; None when no graph is served yet (nothing to compare with).
        Changes nothing."""
        graph = self.graph
        state = graph.holder.current
        if state is None:
            return None
        row = await graph.store.service(name)
        routing_url = url or (row.url if row is not None else f"http://{name}.invalid/graphql")
        if sdl is None:
            fetched = await graph.fetch(routing_url, row.timeout_s if row is not None else None)
            if fetched.sdl is None:
                raise sdl_not_fetched(fetched.code, fetched.error or "")
            sdl = fetched.sdl
        inputs = await graph.current_inputs()
        inputs[name] = Input(name, routing_url, sdl, None)
        subgraphs = [Subgraph(i.name, i.url, i.sdl) for i in inputs.values()]
        return await self.checker.check(state.supergraph, subgraphs, [name])

    async def _gate(
        self, composed: Composed | None, name: str, actor: str, force: bool
    ) -> CheckReport | None:
        """Check a composed change against the served graph before anything is written;
        refuse it (``BreakingChange``) when it breaks an operation seen in the window,
        unless forced. Both the refusal and the forcing are audited. Without a source of
        seen operations the report is schema-level and only informs."""
        state = self.graph.holder.current
        if state is None or composed is None:
            return None
        operations = await self.checker.operations()
        report = await asyncio.to_thread(
            check_supergraphs,
            state.supergraph,
            composed.state.supergraph,
            operations,
            subgraphs=[name],
            time_budget=self.checker.time_budget,
        )
        if report.operations is None or not report.operations.broken:
            return report  # breaking schema changes nobody was seen using are reported only
        store = self.graph.store
        if force:
            await store.audit(actor, "service.check.forced", name, **summary(report))
            log.warning("%s forced a change to %s that fails its schema check", actor, name)
            return report
        await store.audit(actor, "service.check.refused", name, **summary(report))
        raise BreakingChange(report)

    async def refresh(self, actor: str) -> Refreshed:
        """Re-fetch every SDL now, as the poller does."""
        async with self.graph.lock:
            changed = await self.sync.refetch(actor, "refresh")
            return Refreshed(changed, self.graph.active)

    async def add_service(
        self, values: dict[str, Any], actor: str, force: bool = False
    ) -> ServiceChanged:
        """Register a service: fetch its SDL, compose it in, then store and swap."""
        graph = self.graph
        name: str = values["name"]
        async with graph.lock:
            if await graph.store.service(name) is not None:
                raise ServiceExists(name)
            fetched = await graph.fetch(values["url"], values.get("timeout_s"))
            checked_at = time.time()
            if fetched.sdl is None:
                raise sdl_not_fetched(fetched.code, fetched.error or "")
            inputs = await graph.current_inputs()
            inputs[name] = Input(name, values["url"], fetched.sdl, None)
            composed = await graph.compose(inputs)
            report = await self._gate(composed, name, actor, force)
            row, schema_id = await graph.store.add_service(values, fetched.sdl, actor)
            graph.client.configure(name, subgraph_settings(row))
            graph.status[name] = ServiceStatus.seen(fetched, "live", checked_at)
            inputs[name] = Input(name, row.url, fetched.sdl, schema_id)
            await graph.publish(composed, inputs, actor, f"add {name}")
            return ServiceChanged(row, graph.active, report)

    async def update_service(
        self, name: str, changes: dict[str, Any], actor: str, force: bool = False
    ) -> ServiceChanged:
        """Change a service's row; only ``url`` and ``enabled`` recompose the graph."""
        graph = self.graph
        async with graph.lock:
            row = await graph.store.service(name)
            if row is None:
                raise ServiceNotFound(name)
            url: str = changes.get("url", row.url)
            enabled: bool = changes.get("enabled", row.enabled)
            if url == row.url and enabled == row.enabled:
                updated = await graph.store.update_service(name, changes, actor)
                graph.client.configure(name, subgraph_settings(updated))  # no recompose needed
                return ServiceChanged(updated, graph.active)
            inputs = await graph.current_inputs()
            sdl_fetched: str | None = None
            if enabled:
                fetched = await graph.fetch(url, changes.get("timeout_s", row.timeout_s))
                checked_at = time.time()
                if fetched.sdl is None:
                    raise sdl_not_fetched(fetched.code, fetched.error or "")
                seen = ServiceStatus.seen(fetched, "live", checked_at)
                sdl_fetched = fetched.sdl
                inputs[name] = Input(name, url, fetched.sdl, None)
            else:
                seen = ServiceStatus(schema_source="disabled")
                inputs.pop(name, None)
            composed = await graph.compose(inputs) if inputs else None
            report = await self._gate(composed, name, actor, force)
            updated = await graph.store.update_service(name, changes, actor, sdl=sdl_fetched)
            graph.client.configure(name, subgraph_settings(updated))
            graph.status[name] = seen
            if enabled and updated.cached_sdl is not None:
                inputs[name] = Input(name, url, updated.cached_sdl, updated.cached_schema_id)
            await graph.publish(composed, inputs, actor, f"update {name}")
            return ServiceChanged(updated, graph.active, report)

    async def delete_service(self, name: str, actor: str) -> ServiceRemoved:
        """Unregister a service; refused when the others do not compose without it."""
        graph = self.graph
        async with graph.lock:
            if await graph.store.service(name) is None:
                raise ServiceNotFound(name)
            inputs = await graph.current_inputs()
            inputs.pop(name, None)
            composed = await graph.compose(inputs) if inputs else None
            await graph.store.delete_service(name, actor)
            graph.client.configure(name, None)
            graph.status.pop(name, None)
            await graph.publish(composed, inputs, actor, f"delete {name}")
            return ServiceRemoved(name, graph.active)

    async def activate(self, version_id: int, actor: str) -> Active | None:
        """Serve a stored version again (rollback or forward); it holds until a change."""
        graph = self.graph
        async with graph.lock:
            version = await graph.store.version(version_id)
            if version is None:
                raise VersionNotFound(version_id)
            state = await graph.build(version.sdl, version.id)
            await graph.store.activate(version_id, actor)
            graph.swap(state, version.id, version.hash, version.service_versions)
            log.info("supergraph version %s active (activate, by %s)", version.id, actor)
            return graph.active
