"""The categories HTTP service: `/graphql` (Strawberry federation) and `/health`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from subgraphs.categories.database import create_tables, make_engine, sessions
from subgraphs.categories.schema import schema
from subgraphs.categories.service import CategoryService
from subgraphs.categories.settings import Settings
from subgraphs.graphql_errors import CodedGraphQLRouter


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        await create_tables(engine)
        state["engine"] = engine
        state["categories"] = CategoryService(sessions(engine))
        try:
            yield
        finally:
            await engine.dispose()

    async def context() -> dict[str, Any]:
        return {"categories": state["categories"]}

    app = FastAPI(title="categories subgraph", lifespan=lifespan)
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

    return app
