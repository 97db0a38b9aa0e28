"""The root ``.env.example`` lists every router setting with its real default."""

from __future__ import annotations

from dataclasses import fields

from router.config.settings import _ENV_FIELDS, ENV_PREFIX, Settings
from router.registry.config import RegistryConfig
from tests.support import REPO_ROOT


def _entries() -> dict[str, str]:
    text = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_every_router_setting_is_listed() -> None:
    listed = set(_entries())
    expected = {ENV_PREFIX + f.name.upper() for f in fields(Settings) if f.name in _ENV_FIELDS}
    expected |= {"DATABASE_URL", "GATEWAY_ADMIN_TOKEN", "GATEWAY_POLL_INTERVAL_S"}
    expected |= {"GATEWAY_FALLBACK", "GATEWAY_SYNC_INTERVAL_S", "GATEWAY_FETCH_TIMEOUT_S"}
    expected |= {"REDIS_URL", "GATEWAY_SERVICES"}
    assert listed == expected


def test_listed_values_are_the_defaults() -> None:
    entries = _entries()
    assert Settings.from_env(entries) == Settings()
    assert RegistryConfig.from_env(entries) == RegistryConfig.from_env({})
