"""The `broker` and `outbox` parts of a service's `/health/detailed`."""

from __future__ import annotations

from typing import Any

from subgraphs.events.relay import Relay


async def events_health(relay: Relay | None) -> dict[str, Any]:
    if relay is None:
        return {"broker": {"status": "off"}, "outbox": {"status": "off"}}
    broker = relay.broker.describe()
    try:
        lag = await relay.store.lag()
        outbox: dict[str, Any] = {
            "pending": lag.pending,
            "oldestAgeSeconds": round(lag.oldest_age_seconds, 3),
            "published": relay.published,
        }
    except Exception as exc:  # the database is down: say so, do not fail the page
        outbox = {"error": type(exc).__name__}
    broker["status"] = "ok" if broker["connected"] else "unreachable"
    return {"broker": broker, "outbox": outbox}
