"""The registry as JSON: services, the active version, errors, ``/health/detailed``.

The shapes are the admin API's and the health report's public contract
(docs/admin-api.md); keeping them in one module keeps them from drifting apart
between the routes that return the same object.
"""

from __future__ import annotations

from typing import Any

from router.registry.checks import BreakingChange
from router.registry.errors import CompositionFailed, RegistryError
from router.registry.graph import Active, ServedGraph, ServiceStatus
from router.registry.store import ServiceRow


def active_json(active: Active | None) -> dict[str, Any] | None:
    if active is None:
        return None
    return {"id": active.id, "hash": active.hash}


def status_json(status: ServiceStatus) -> dict[str, Any]:
    return {
        "healthy": status.healthy,
        "latency_ms": status.latency_ms,
        "error": status.error,
        "schema_source": status.schema_source,
        "checked_at": status.checked_at,
    }


def service_json(
    row: ServiceRow, status: ServiceStatus | None, active: Active | None
) -> dict[str, Any]:
    """A ``Service``: the stored row, this router's status of it, and whether it is served."""
    if status is None:
        status = ServiceStatus(schema_source="disabled" if not row.enabled else "none")
    return {
        "name": row.name,
        "url": row.url,
        "urls": list(row.urls),
        "enabled": row.enabled,
        "use_msgpack": row.use_msgpack,
        "headers": row.headers,
        "timeout_s": row.timeout_s,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "schema_hash": row.cached_hash,
        "schema_fetched_at": row.cached_at,
        "in_supergraph": active is not None and row.name in active.services,
        "status": status_json(status),
    }


def errors_json(error: RegistryError) -> list[dict[str, Any]]:
    """GraphQL-style error dicts; a composition failure gives one per planner error."""
    if isinstance(error, CompositionFailed):
        return [
            {
                "message": e.message,
                "extensions": {
                    "code": e.code,
                    "subgraphs": list(e.subgraphs),
                    "elements": list(e.elements),
                },
            }
            for e in error.errors
        ]
    if isinstance(error, BreakingChange):
        extensions = {"code": error.code, "report": error.report.to_json()}
        return [{"message": error.message, "extensions": extensions}]
    return [{"message": error.message, "extensions": {"code": error.code}}]


def health_report(body: dict[str, Any], graph: ServedGraph) -> None:
    """Add the registry's view to ``/health/detailed`` (degrade marks services unhealthy)."""
    status = graph.status
    fallback = graph.config.fallback
    failure = graph.composition_failure
    degraded = [
        name for name, s in status.items() if s.schema_source == "cached" and fallback == "degrade"
    ]
    body["registry"] = {
        "fallback": fallback,
        "supergraphVersion": active_json(graph.active),
        "services": {name: status_json(s) for name, s in sorted(status.items())},
        "cachedSchemas": sorted(n for n, s in status.items() if s.schema_source == "cached"),
        "droppedServices": sorted(n for n, s in status.items() if s.schema_source == "dropped"),
        "lastCompositionErrors": errors_json(failure) if failure is not None else [],
    }
    subgraphs = body.get("subgraphs")
    for name in degraded:
        if isinstance(subgraphs, dict) and isinstance(subgraphs.get(name), dict):
            subgraphs[name]["healthy"] = False
    if degraded and body.get("status") == "ok":
        body["status"] = "degraded"
