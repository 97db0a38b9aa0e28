"""The categories HTTP service: `/graphql` (Strawberry federation) and `/health`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from subgraphs.categories import stats  # noqa: F401  (registers the category_stats table)
from subgraphs.categories.database import create_tables, make_engine, sessions
from subgraphs.categories.outbox import CategoryOutbox
from subgraphs.categories.schema import schema
from subgraphs.categories.service import CategoryService
from subgraphs.categories.settings import Settings
from subgraphs.events.broker import Broker
from subgraphs.events.health import events_health
from subgraphs.events.relay import Relay
from subgraphs.graphql_errors import CodedGraphQLRouter
from subgraphs.msgpack_responses import MsgpackResponses
from subgraphs.observability import ServiceTelemetry


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        telemetry.instrument_engine(engine, "categories")
        await create_tables(engine)
        state["engine"] = engine
        relay: Relay | None = None
        if settings.events is not None:
            relay = Relay(
                CategoryOutbox(sessions(engine)),
                Broker(settings.events, "categories-outbox-relay"),
            )
            relay.start()
        state["relay"] = relay
        state["categories"] = CategoryService(
            sessions(engine), events=relay is not None, notify=relay and relay.notify
        )
        try:
            yield
        finally:
            if relay is not None:
                await relay.stop()
            await engine.dispose()
            telemetry.shutdown()

    async def context() -> dict[str, Any]:
        return {"categories": state["categories"]}

    telemetry = ServiceTelemetry("categories")
    app = FastAPI(title="categories subgraph", lifespan=lifespan)
    app.add_middleware(MsgpackResponses)
    app.include_router(CodedGraphQLRouter(schema, context_getter=context), prefix="/graphql")

    @app.get("/health")
    async def health() -> JSONResponse:
        try:
            async with state["engine"].connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            return JSONResponse(
                {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/health/detailed")
    async def health_detailed() -> JSONResponse:
        """Database, broker and outbox lag; 503 only when the database is down."""
        body: dict[str, Any] = {"status": "ok", "database": {"status": "ok"}}
        try:
            async with state["engine"].connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            body["status"] = "unavailable"
            body["database"] = {"status": "unreachable", "error": type(exc).__name__}
        body.update(await events_health(state["relay"]))
        if body["status"] == "ok" and body["broker"].get("status") == "unreachable":
            body["status"] = "degraded"
        return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)

    telemetry.install(app)
    return app
