"""Usage and audit settings (``usage:`` and ``audit:`` in router.yaml).

Both are off by default: a router that records nothing pays nothing per request.
The seed's variables win over the file: ``USAGE_FLUSH_INTERVAL_MS``,
``USAGE_BUFFER_MAX_KEYS``, ``AUDIT_FLUSH_INTERVAL_MS``, ``AUDIT_BUFFER_MAX``,
``API_KEY_USAGE_FLUSH_INTERVAL_MS`` (``records_from_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_REDACT = (
    "password",
    "passwd",
    "secret",
    "token",
    "accesstoken",
    "refreshtoken",
    "apikey",
    "api_key",
    "authorization",
    "creditcard",
    "cardnumber",
    "cvv",
    "ssn",
)
"""Variable names (case-insensitive) whose values an audited mutation never stores."""

PARTITIONING = ("monthly", "none")


@dataclass(frozen=True, slots=True)
class UsageSettings:
    """Per-request usage statistics, aggregated in memory and flushed in batches."""

    enabled: bool = False
    database_url: str | None = None
    """Where the statistics go; None = ``DATABASE_URL`` (the registry database)."""
    flush_interval_ms: int = 5000
    """``USAGE_FLUSH_INTERVAL_MS``: milliseconds between flushes."""
    buffer_max_keys: int = 500
    """``USAGE_BUFFER_MAX_KEYS``: a buffer holding this many keys is flushed at once;
    past ten times this, the oldest keys are merged into one overflow row per hour."""
    retention_days: int = 90
    """Hourly rows older than this are deleted by the maintenance job (0 = keep)."""
    record_documents: bool = True
    """Store each operation's document once per hash (``usage_operations``)."""
    max_document_bytes: int = 64 * 1024
    """Longer documents are recorded without their text."""
    api_key_flush_interval_ms: int = 30_000
    """``API_KEY_USAGE_FLUSH_INTERVAL_MS``: how often the API-key usage consolidator
    drains the per-key counters into ``api_key_usage``."""
    maintenance_interval_s: float = 3600.0
    """Seconds between in-process maintenance runs (partitions, retention); 0 = never
    (run ``gateway maintenance run`` from cron instead)."""


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """Audit trail: admin changes (always, with the registry), auth failures, API-key
    use from a new IP and, optionally, mutations."""

    enabled: bool = False
    database_url: str | None = None
    """None = ``DATABASE_URL`` (the registry database)."""
    flush_interval_ms: int = 5000
    """``AUDIT_FLUSH_INTERVAL_MS``."""
    buffer_max: int = 1000
    """``AUDIT_BUFFER_MAX``: a queue this long is flushed at once; past ten times
    this, the oldest entries are dropped (counted and logged)."""
    mutations: bool = False
    """Record every mutation: operation name, client, variables (redacted)."""
    redact: tuple[str, ...] = DEFAULT_REDACT
    """Variable names whose values are replaced by ``"[REDACTED]"`` (any depth)."""
    retention_days: int = 365
    """Entries older than this are removed (whole partitions when partitioned; 0 = keep)."""
    partitioning: str = "monthly"
    """``monthly`` (PostgreSQL: ``audit_logs`` partitioned by month) or ``none``.
    Read by ``gateway db upgrade``; SQLite is never partitioned."""


_ENV: tuple[tuple[str, str, str], ...] = (
    ("usage", "flush_interval_ms", "USAGE_FLUSH_INTERVAL_MS"),
    ("usage", "buffer_max_keys", "USAGE_BUFFER_MAX_KEYS"),
    ("usage", "api_key_flush_interval_ms", "API_KEY_USAGE_FLUSH_INTERVAL_MS"),
    ("audit", "flush_interval_ms", "AUDIT_FLUSH_INTERVAL_MS"),
    ("audit", "buffer_max", "AUDIT_BUFFER_MAX"),
)


def records_from_env(
    env: Mapping[str, str], usage: UsageSettings, audit: AuditSettings
) -> dict[str, Any]:
    """The ``usage``/``audit`` settings with the seed's variables applied (only those set)."""
    from router.config.settings import SettingsError

    changes: dict[str, dict[str, Any]] = {"usage": {}, "audit": {}}
    for section, name, variable in _ENV:
        raw = env.get(variable)
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable}={raw!r} is not a whole number") from exc
        if value < 1:
            raise SettingsError(f"{variable}={raw!r} must be at least 1")
        changes[section][name] = value
    out: dict[str, Any] = {}
    if changes["usage"]:
        out["usage"] = replace(usage, **changes["usage"])
    if changes["audit"]:
        out["audit"] = replace(audit, **changes["audit"])
    return out
