"""Database URL, engine and the "is it migrated?" check.

``DATABASE_URL`` selects the registry database; without it a SQLite file in the
working directory is used so the registry needs nothing installed. Plain
``postgresql://`` / ``sqlite://`` URLs are given their async drivers (asyncpg,
aiosqlite). Tables are never created here: the router refuses to start until
``gateway db upgrade`` has brought the database to the newest migration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///gateway.sqlite3"
ALEMBIC_DIR = Path(__file__).resolve().parent.parent.parent / "alembic"
MIGRATION_LOCK = 0x6761_7465_7761_79  # "gateway": one key for every registry database
"""PostgreSQL advisory lock alembic/env.py holds for a migration's transaction: routers
started together (compose, Kubernetes init containers) each run ``gateway db
upgrade``, and without it two of them would create the same tables at once and one
would fail."""


class NotMigratedError(RuntimeError):
    """The registry database is missing tables or is behind the newest migration."""


def async_url(url: str) -> str:
    """The URL with an async driver: asyncpg for PostgreSQL, aiosqlite for SQLite."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def database_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return async_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def make_engine(url: str) -> AsyncEngine:
    return create_async_engine(async_url(url), pool_pre_ping=True)


def make_sessions(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


def head_revision() -> str | None:
    """The newest migration in ``alembic/versions``."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def check_migrated(engine: AsyncEngine) -> None:
    """Raise ``NotMigratedError`` (naming the command to run) unless at the head revision."""
    head = head_revision()
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(_current_revision)
    except Exception as exc:  # unreachable server, bad credentials...
        raise NotMigratedError(
            f"cannot open the registry database {_safe_url(str(engine.url))}: {exc}"
        ) from exc
    if current != head:
        state = "has no tables" if current is None else f"is at revision {current}"
        raise NotMigratedError(
            f"the registry database {_safe_url(str(engine.url))} {state}, the router needs "
            f"{head}: run `gateway db upgrade` (with the same DATABASE_URL) first"
        )
