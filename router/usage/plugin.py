"""The usage plugin: records every request in ``after_response`` (a dict update),
flushes in the background, and serves ``/admin/api/usage``.

Who the caller is: ``ctx.client`` when an auth plugin set it (API key id, JWT
subject), else the ``apollographql-client-name`` / ``x-client-name`` header (kind
``client_name``), else ``anonymous``. Client names and operation names are cut to
128 and 256 characters: they come from the client.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

from router.config.records import UsageSettings
from router.pipeline.plugin import Plugin
from router.records.database import records_url
from router.records.flusher import Flusher, flusher_health, stop_flushing
from router.registry.database import make_engine
from router.usage.buffer import UsageBuffer, UsageRows
from router.usage.store import UsageStore

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from router.pipeline.context import RequestContext

log = logging.getLogger("router.usage")

MAX_CLIENT = 128
MAX_NAME = 256


def client_of(ctx: RequestContext) -> tuple[str, str]:
    client = ctx.client
    if client is not None:
        return client.kind, client.id[:MAX_CLIENT]
    headers = ctx.http.headers
    name = headers.get("apollographql-client-name") or headers.get("x-client-name")
    if name:
        return "client_name", name[:MAX_CLIENT]
    return "anonymous", "anonymous"


class Usage(Plugin):
    name = "usage"

    def __init__(self, settings: UsageSettings, grace_s: float = 10.0) -> None:
        self.settings = settings
        self.grace_s = grace_s
        self.url = records_url(settings.database_url)
        self.engine: AsyncEngine | None = None
        self.flusher: Flusher[UsageRows] | None = None
        self.buffer = UsageBuffer(
            settings.buffer_max_keys,
            self._wake,
            settings.record_documents,
            settings.max_document_bytes,
        )

    def _wake(self) -> None:
        if self.flusher is not None:
            self.flusher.wake()

    def setup(self, app: FastAPI) -> None:
        from router.usage.api import mount_usage_api

        self.engine = make_engine(self.url)
        store = UsageStore(self.engine)
        meter = app.state.telemetry.meter("router.usage")
        self.flusher = Flusher(
            "usage", self.buffer, store.write, self.settings.flush_interval_ms / 1000, meter
        )
        token = os.environ.get("GATEWAY_ADMIN_TOKEN") or app.state.settings.registry.admin_token
        mount_usage_api(app, self.engine, token)
        app.state.usage = self

    async def start(self) -> None:
        assert self.flusher is not None
        await self.flusher.start()

    async def stop(self) -> None:
        await stop_flushing(self.flusher, self.engine, self.grace_s)

    def health(self, body: dict[str, Any]) -> None:
        body["usage"] = {
            "buffered_keys": self.buffer.size(),
            **flusher_health(self.flusher),
            "merged_keys": self.buffer.merged,
        }

    def after_response(self, ctx: RequestContext, body: dict[str, Any], size: int) -> None:
        kind, client = client_of(ctx)
        name = ctx.operation_name
        key = (
            int(time.time()) // 3600 * 3600,
            kind,
            client,
            name[:MAX_NAME] if name else "",
            ctx.operation_hash or "",
        )
        graphql = ctx.graphql
        self.buffer.record(
            key,
            ctx.status >= 400 or "errors" in body,
            ctx.elapsed * 1000,
            size,
            graphql.query if graphql is not None else None,
        )
