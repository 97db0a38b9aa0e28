"""Settings for the categories service, from environment variables (see .env.example).

DATABASE_URL defaults to a SQLite file under ./data, so nothing needs installing;
`postgresql://...` and `sqlite:///...` URLs get their async drivers (asyncpg, aiosqlite)
filled in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from subgraphs.events.settings import EventSettings

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/categories.sqlite3"


def async_url(url: str) -> str:
    """The same database URL with an async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8081
    database_schema: str | None = None
    # NATS_URL set: changes write the outbox table and a relay publishes domain events.
    events: EventSettings | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        try:
            port = int(env.get("PORT", "8081"))
        except ValueError as exc:
            raise SystemExit(f"PORT must be a number, got {env.get('PORT')!r}") from exc
        return cls(
            database_url=async_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            database_schema=env.get("DATABASE_SCHEMA") or None,
            events=EventSettings.from_env(env),
        )
