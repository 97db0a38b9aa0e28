"""The registry's settings: router.yaml's ``registry:`` section under its variables.

``registry_config(settings)`` is what registry mode calls instead of
``RegistryConfig.from_env()``: each value comes from its variable when that is set
(``DATABASE_URL``, ``GATEWAY_ADMIN_TOKEN``, ``GATEWAY_POLL_INTERVAL_S``,
``GATEWAY_FALLBACK``, ``GATEWAY_SYNC_INTERVAL_S``, ``GATEWAY_FETCH_TIMEOUT_S``),
otherwise from the file (whose defaults are the registry's defaults).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields

from router.config.settings import Settings
from router.registry.config import RegistryConfig
from router.registry.database import async_url

VARIABLES = {
    "database_url": "DATABASE_URL",
    "admin_token": "GATEWAY_ADMIN_TOKEN",
    "poll_interval_s": "GATEWAY_POLL_INTERVAL_S",
    "fallback": "GATEWAY_FALLBACK",
    "sync_interval_s": "GATEWAY_SYNC_INTERVAL_S",
    "fetch_timeout_s": "GATEWAY_FETCH_TIMEOUT_S",
}
"""``RegistryConfig`` field -> the variable that overrides router.yaml's value."""


def registry_config(settings: Settings, environ: Mapping[str, str] | None = None) -> RegistryConfig:
    """Variables over ``settings.registry``; raises ``SettingsError`` on a bad variable."""
    env = os.environ if environ is None else environ
    from_env = RegistryConfig.from_env(env)  # parses and checks the variables that are set
    values = {
        f.name: getattr(from_env if env.get(VARIABLES[f.name]) else settings.registry, f.name)
        for f in fields(RegistryConfig)
    }
    values["database_url"] = async_url(values["database_url"])
    values["admin_token"] = values["admin_token"] or None
    return RegistryConfig(**values)
