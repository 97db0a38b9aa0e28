"""The audit plugin: queues auth failures, API-key use from a new IP and (with
``audit.mutations``) mutations in ``after_response``, writes them in batches, and
serves ``GET /admin/api/audit``.

"New IP" is decided in memory against the (key id, IP) pairs already audited (read
from ``audit_logs`` at start, at most 100,000, and bounded afterwards); each worker
keeps its own set, so the first use from an IP may be audited once per worker.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from router.audit.buffer import AuditBuffer, Entry
from router.audit.redact import redact
from router.audit.store import AuditStore, audit_entries
from router.config.records import AuditSettings
from router.pipeline.plugin import Plugin
from router.records.database import records_url
from router.records.flusher import Flusher, flusher_health, stop_flushing
from router.registry.database import make_engine

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.requests import Request

    from router.pipeline.context import RequestContext

log = logging.getLogger("router.audit")

MAX_SEEN = 100_000


def _ip(ctx: RequestContext) -> str:
    client = ctx.http.client
    return client.host[:64] if client else "unknown"


class Audit(Plugin):
    name = "audit"

    def __init__(self, settings: AuditSettings, grace_s: float = 10.0) -> None:
        self.settings = settings
        self.grace_s = grace_s
        self.url = records_url(settings.database_url)
        self.redact = frozenset(name.lower() for name in settings.redact)
        self.buffer = AuditBuffer(settings.buffer_max, self._wake)
        self.engine: AsyncEngine | None = None
        self.store: AuditStore | None = None
        self.flusher: Flusher[list[Entry]] | None = None
        self.seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def _wake(self) -> None:
        if self.flusher is not None:
            self.flusher.wake()

    def setup(self, app: FastAPI) -> None:
        from router.usage.api import admin_route

        self.engine = engine = make_engine(self.url)
        self.store = AuditStore(engine)
        meter = app.state.telemetry.meter("router.audit")
        self.flusher = Flusher(
            "audit", self.buffer, self.store.write, self.settings.flush_interval_ms / 1000, meter
        )
        token = os.environ.get("GATEWAY_ADMIN_TOKEN") or app.state.settings.registry.admin_token

        async def entries(request: Request) -> Any:
            return {"entries": await audit_entries(engine, **audit_filters(request))}

        admin_route(app, "/audit", token, entries)
        app.state.audit = self

    async def start(self) -> None:
        assert self.flusher is not None and self.store is not None
        try:
            for pair in reversed(await self.store.seen_key_ips(MAX_SEEN)):
                self.seen[pair] = None
        except Exception as exc:  # the trail still works; some IPs are audited again
            log.warning("could not read the audited API-key IPs: %s", exc)
        await self.flusher.start()

    async def stop(self) -> None:
        await stop_flushing(self.flusher, self.engine, self.grace_s)

    def health(self, body: dict[str, Any]) -> None:
        body["audit"] = {
            "queued": self.buffer.size(),
            **flusher_health(self.flusher),
            "dropped": self.buffer.dropped,
        }

    def record(
        self,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        request_id: str | None = None,
        ip: str | None = None,
    ) -> None:
        """Queue one entry (callable from anywhere in the app: no I/O)."""
        entry: Entry = {
            "created_at": datetime.now(UTC),
            "actor": actor[:256],
            "action": action[:64],
            "target": target[:256] if target else target,
            "detail": detail,
            "request_id": request_id,
            "ip": ip,
        }
        self.buffer.add(entry)

    def after_response(self, ctx: RequestContext, body: dict[str, Any], size: int) -> None:
        failure = ctx.extensions.get("auth_failure")
        if failure is not None:
            ip = _ip(ctx)
            self.record(
                f"ip:{ip}",
                "auth.failure",
                ctx.http.url.path,
                {"reason": str(failure)[:256], "status": ctx.status},
                ctx.request_id,
                ip,
            )
            return
        client = ctx.client
        if client is not None and client.kind == "api_key":
            ip = _ip(ctx)
            pair = (client.id, ip)
            if pair not in self.seen:
                self.seen[pair] = None
                if len(self.seen) > MAX_SEEN:
                    self.seen.popitem(last=False)
                self.record(
                    f"api_key:{client.id}",
                    "api_key.new_ip",
                    client.id,
                    {"name": client.name},
                    ctx.request_id,
                    ip,
                )
        if self.settings.mutations and ctx.operation_kind == "mutation":
            graphql = ctx.graphql
            actor = f"{client.kind}:{client.id}" if client is not None else "anonymous"
            variables = graphql.variables if graphql is not None else None
            self.record(
                actor,
                "graphql.mutation",
                ctx.operation_name,
                {
                    "operation_hash": ctx.operation_hash,
                    "status": ctx.status,
                    "errors": "errors" in body,
                    "variables": redact(variables, self.redact) if variables else None,
                },
                ctx.request_id,
                _ip(ctx),
            )


def audit_filters(request: Request) -> dict[str, Any]:
    """``actor``, ``action``, ``from``, ``to``, ``limit``, ``before`` query parameters."""
    from router.admin.errors import bad_request
    from router.records.timeparams import BadTime, parse_time

    params = request.query_params
    out: dict[str, Any] = {}
    for name in ("actor", "action"):
        value = params.get(name)
        if value:
            out[name] = value[:256]
    for name, key in (("from", "start"), ("to", "end")):
        raw = params.get(name)
        if raw:
            try:
                out[key] = parse_time(raw)
            except BadTime as exc:
                raise bad_request(f"'{name}': {exc}") from exc
    for name, key in (("limit", "limit"), ("before", "before_id")):
        raw = params.get(name)
        if raw:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
                raise bad_request(f"'{name}' must be a positive whole number.")
            out[key] = int(raw)
    return out
