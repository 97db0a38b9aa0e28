"""The registry at run time, behind one small facade.

``Registry`` is what the app wiring (``mount``) and the admin API hold: it builds the
parts, starts and stops them, and answers each admin operation in the admin API's
JSON. The work is done elsewhere, one job per module:

- ``graph``: the served supergraph and the one way to replace it (compose, build,
  store, swap);
- ``usecases``: the admin operations, each composing first and swapping only on
  success;
- ``checks``: the schema check a service change passes first (or is refused by);
- ``sync``: start-up, the SDL poller, convergence on the version other routers
  activated;
- ``presenters``: the JSON views (services, versions, errors, ``/health/detailed``);
- ``errors``: why a change is refused, as types; the admin API maps them to HTTP.
"""

from __future__ import annotations

from typing import Any

from planner.checks import CheckReport
from router.config.settings import Settings
from router.execution.subgraph_client import SubgraphClient
from router.registry import presenters
from router.registry.checks import SchemaChecker, SeenOperationsSource
from router.registry.config import RegistryConfig
from router.registry.database import check_migrated, make_engine
from router.registry.graph import Active, ServedGraph
from router.registry.store import RegistryStore, ServiceRow
from router.registry.sync import Sync
from router.registry.usecases import UseCases
from router.state import StateHolder


class Registry:
    """Serve the supergraph composed from the registered services, and change it."""

    def __init__(
        self,
        config: RegistryConfig,
        settings: Settings,
        client: SubgraphClient,
        holder: StateHolder,
        seen_operations: SeenOperationsSource | None = None,
    ) -> None:
        """``seen_operations``: the operations clients sent (usage recording); None =
        schema checks at the schema level only."""
        self.config = config
        self.holder = holder
        self.store = RegistryStore(make_engine(config.database_url))
        self.graph = ServedGraph(config, settings, client, holder, self.store)
        self.sync = Sync(self.graph)
        self.checker = SchemaChecker(
            seen_operations, settings.checks_window_days, settings.planning_budget_s or None
        )
        self.usecases = UseCases(self.graph, self.sync, self.checker)

    async def start(self) -> None:
        """Refuse an un-migrated database, serve the active version, then recompose."""
        await check_migrated(self.store.engine)
        await self.sync.start()

    async def stop(self) -> None:
        await self.sync.stop()
        await self.graph.fetcher.close()
        await self.store.close()

    # --- operations used by the admin API (refusals raise RegistryError) ----------------

    async def refresh(self, actor: str) -> dict[str, Any]:
        result = await self.usecases.refresh(actor)
        return {"changed": result.changed, "supergraph": presenters.active_json(result.supergraph)}

    async def add_service(
        self, values: dict[str, Any], actor: str, force: bool = False
    ) -> dict[str, Any]:
        result = await self.usecases.add_service(values, actor, force)
        return self._service_change(result.service, result.supergraph, result.check)

    async def update_service(
        self, name: str, changes: dict[str, Any], actor: str, force: bool = False
    ) -> dict[str, Any]:
        result = await self.usecases.update_service(name, changes, actor, force)
        return self._service_change(result.service, result.supergraph, result.check)

    async def check_service(self, name: str, sdl: str | None, url: str | None) -> dict[str, Any]:
        """The schema check of a proposed SDL (or of the SDL served at ``url``)."""
        report = await self.usecases.check_service(name, sdl, url)
        return {"service": name, "report": None if report is None else report.to_json()}

    async def delete_service(self, name: str, actor: str) -> dict[str, Any]:
        result = await self.usecases.delete_service(name, actor)
        return {"removed": result.name, "supergraph": presenters.active_json(result.supergraph)}

    async def activate(self, version_id: int, actor: str) -> dict[str, Any]:
        active = await self.usecases.activate(version_id, actor)
        return {"supergraph": presenters.active_json(active)}

    # --- views ---------------------------------------------------------------------------

    def active_json(self) -> dict[str, Any] | None:
        return presenters.active_json(self.graph.active)

    def service_json(self, row: ServiceRow) -> dict[str, Any]:
        return presenters.service_json(row, self.graph.status.get(row.name), self.graph.active)

    def health_report(self, body: dict[str, Any]) -> None:
        """Add the registry's view to ``/health/detailed``."""
        presenters.health_report(body, self.graph)

    def _service_change(
        self, row: ServiceRow, active: Active | None, check: CheckReport | None = None
    ) -> dict[str, Any]:
        return {
            "service": presenters.service_json(row, self.graph.status.get(row.name), active),
            "supergraph": presenters.active_json(active),
            "check": None if check is None else check.to_json(),
        }
