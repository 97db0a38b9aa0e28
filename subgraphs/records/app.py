"""The records HTTP service: `/graphql` (Strawberry federation) and `/health`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from subgraphs.events.broker import Broker
from subgraphs.events.health import events_health
from subgraphs.events.relay import Relay
from subgraphs.graphql_errors import CodedGraphQLRouter
from subgraphs.migrator import Migrator, discover
from subgraphs.msgpack_responses import MsgpackResponses
from subgraphs.observability import ServiceTelemetry
from subgraphs.records.category_check import CategoryChecker
from subgraphs.records.database import Database, open_database
from subgraphs.records.loaders import Loaders
from subgraphs.records.migrations import PACKAGE
from subgraphs.records.outbox import RecordOutbox
from subgraphs.records.repository import RecordRepository
from subgraphs.records.schema import schema
from subgraphs.records.service import RecordService
from subgraphs.records.settings import Settings

log = logging.getLogger("subgraphs.records")


async def warn_about_pending_migrations(db: Any) -> None:
    """The service never migrates by itself (that is `records migrate up`'s job, run once
    per deploy), but it says so loudly when the database is behind the code."""
    try:
        rows = await Migrator(db, discover(PACKAGE)).status()
    except PyMongoError as exc:
        log.warning("cannot read migration state: %s", exc)
        return
    behind = [f"{r.id} ({r.state})" for r in rows if r.state != "applied"]
    if behind:
        log.warning("database not migrated: %s; run `records migrate up`", ", ".join(behind))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        database = await open_database(settings, [telemetry.mongo_monitor()])
        state["database"] = database
        outbox: RecordOutbox | None = None
        relay: Relay | None = None
        if settings.events is not None:
            outbox = RecordOutbox(database.db)
            relay = Relay(outbox, Broker(settings.events, "records-outbox-relay"))
            outbox.notify = relay.notify
            relay.start()
        state["relay"] = relay
        repository = RecordRepository(database.db, search_index=settings.search == "index")
        state["records"] = RecordService(
            repository, CategoryChecker(settings.categories_url), outbox
        )
        check = asyncio.create_task(warn_about_pending_migrations(database.db))
        try:
            yield
        finally:
            check.cancel()
            if relay is not None:
                await relay.stop()
            await database.close()
            telemetry.shutdown()

    async def context() -> dict[str, Any]:
        service: RecordService = state["records"]
        return {"records": service, "loaders": Loaders(service.repo)}

    telemetry = ServiceTelemetry("records")
    app = FastAPI(title="records subgraph", lifespan=lifespan)
    app.add_middleware(MsgpackResponses)
    app.include_router(CodedGraphQLRouter(schema, context_getter=context), prefix="/graphql")

    @app.get("/health")
    async def health() -> JSONResponse:
        database: Database = state["database"]
        try:
            await database.ping()
        except PyMongoError as exc:
            return JSONResponse(
                {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/health/detailed")
    async def health_detailed() -> JSONResponse:
        """Database, broker and outbox lag; 503 only when the database is down (the
        outbox keeps every event while the broker is away)."""
        database: Database = state["database"]
        body: dict[str, Any] = {"status": "ok", "database": {"status": "ok"}}
        try:
            await database.ping()
        except PyMongoError as exc:
            body["status"] = "unavailable"
            body["database"] = {"status": "unreachable", "error": type(exc).__name__}
        body.update(await events_health(state["relay"]))
        if body["status"] == "ok" and body["broker"].get("status") == "unreachable":
            body["status"] = "degraded"
        return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)

    telemetry.install(app)
    return app
