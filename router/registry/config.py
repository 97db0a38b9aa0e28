"""Registry settings from the environment (documented in docs/admin-api.md).

Kept apart from ``router.config.settings`` because only registry mode reads them:

- ``DATABASE_URL``: registry database (default ``sqlite+aiosqlite:///gateway.sqlite3``).
- ``GATEWAY_ADMIN_TOKEN``: bearer token for ``/admin/api``; unset = admin API off.
- ``GATEWAY_POLL_INTERVAL_S``: seconds between SDL re-fetches (default 30; 0 = never).
- ``GATEWAY_FALLBACK``: ``cached`` | ``drop`` | ``degrade`` when a fetch fails.
- ``GATEWAY_SYNC_INTERVAL_S``: seconds between checks of the active supergraph version
  in the database, how routers sharing a registry converge (default 2).
- ``GATEWAY_FETCH_TIMEOUT_S``: most seconds one SDL fetch may take (default 5).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from router.config.settings import SettingsError
from router.registry.database import database_url

FALLBACKS = ("cached", "drop", "degrade")


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    database_url: str
    admin_token: str | None = None
    poll_interval_s: float = 30.0
    fallback: str = "cached"
    sync_interval_s: float = 2.0
    fetch_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if self.fallback not in FALLBACKS:
            raise SettingsError(
                f"GATEWAY_FALLBACK={self.fallback!r} must be one of {', '.join(FALLBACKS)}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RegistryConfig:
        env = os.environ if environ is None else environ
        return cls(
            database_url=database_url(env),
            admin_token=env.get("GATEWAY_ADMIN_TOKEN") or None,
            poll_interval_s=_seconds(env, "GATEWAY_POLL_INTERVAL_S", 30.0),
            fallback=(env.get("GATEWAY_FALLBACK") or "cached").strip().lower(),
            sync_interval_s=_seconds(env, "GATEWAY_SYNC_INTERVAL_S", 2.0),
            fetch_timeout_s=_seconds(env, "GATEWAY_FETCH_TIMEOUT_S", 5.0),
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from exc
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value
