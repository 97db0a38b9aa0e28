"""Settings for the records service, from environment variables (see .env.example).

Everything has a default so `python -m subgraphs.records` runs with no configuration:
without MONGODB_URI the service starts the embedded MongoDB-wire server on
MONGODB_DATA_DIR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from subgraphs.events.settings import EventSettings

SEARCH_MODES = ("auto", "index")


def _int(env: dict[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, str(default)))
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {env.get(name)!r}") from exc


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None = None
    mongodb_db: str = "records"
    mongodb_data_dir: Path = Path("data/mongo")
    host: str = "127.0.0.1"
    port: int = 8080
    categories_url: str | None = None
    mongodb_timeout_ms: int = 5000
    # NATS_URL set: mutations write the outbox and a relay publishes domain events.
    events: EventSettings | None = None
    # RECORDS_SEARCH=index: `search` reads the search-index processor's collection.
    search: str = "auto"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        port = _int(env, "PORT", 8080)
        return cls(
            mongodb_uri=env.get("MONGODB_URI") or None,
            mongodb_db=env.get("MONGODB_DB", "records"),
            mongodb_data_dir=Path(env.get("MONGODB_DATA_DIR", "data/mongo")),
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            categories_url=env.get("CATEGORIES_URL") or None,
            mongodb_timeout_ms=_int(env, "MONGODB_TIMEOUT_MS", 5000),
            events=EventSettings.from_env(env),
            search=_choice(env, "RECORDS_SEARCH", SEARCH_MODES),
        )


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or choices[0]
    if value not in choices:
        raise SystemExit(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value
