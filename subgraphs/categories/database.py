"""Engine and session factory; tables are created at start (a sample service: no
migrations tool for SQL here — the router's schema goes through alembic/)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from subgraphs.categories.models import Base
from subgraphs.categories.settings import Settings


def make_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    if settings.database_schema and url.get_backend_name() == "postgresql":
        connect_args["server_settings"] = {"search_path": settings.database_schema}
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


def sessions(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
