"""API-key settings (router.yaml ``auth.api_keys``; the config loader builds this)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REVOCATION_DELAY_S = 5.0
"""A revocation must reach every router sharing the database within this time."""


@dataclass(frozen=True, slots=True)
class ApiKeySettings:
    database_url: str | None = None
    """The registry database holding ``api_keys``; None = ``DATABASE_URL`` (or its default)."""
    cache_ttl_s: float = 2.0
    """Seconds a looked-up key is trusted without asking the database again; this bounds
    how long a revoked key keeps working on another router (at most 5)."""
    negative_cache_ttl_s: float = 60.0
    """Seconds an id the database does not know is refused without asking again."""
    negative_cache_size: int = 10_000
    """Most unknown ids remembered (oldest forgotten first), so garbage cannot grow it."""
    max_concurrent_lookups: int = 8
    """Most database lookups in flight at once from this router (the rest wait)."""
    flush_interval_s: float = 5.0
    """Seconds between batched ``last_used_at`` writes."""
    max_key_length: int = 256
    """Credentials longer than this are refused as malformed before any other work."""

    def __post_init__(self) -> None:
        from router.config.settings import SettingsError  # settings.py imports this module

        if not 0 <= self.cache_ttl_s <= MAX_REVOCATION_DELAY_S:
            raise SettingsError(
                f"api_keys.cache_ttl_s={self.cache_ttl_s} must be between 0 and "
                f"{MAX_REVOCATION_DELAY_S} (a revocation must apply within 5 s)"
            )
        for name in ("negative_cache_ttl_s", "flush_interval_s"):
            if getattr(self, name) < 0:
                raise SettingsError(f"api_keys.{name} must not be negative")
        if self.negative_cache_size < 0:
            raise SettingsError("api_keys.negative_cache_size must not be negative")
        if self.max_concurrent_lookups < 1:
            raise SettingsError("api_keys.max_concurrent_lookups must be at least 1")
        if self.max_key_length < 64:
            raise SettingsError("api_keys.max_key_length must be at least 64 (a key is 55)")
