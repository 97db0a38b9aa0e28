"""Rate-limit settings (``rate_limit:`` in router.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

RATE_LIMIT_KEYS = ("api_key", "subject", "ip")
"""What a limit counts by, besides ``header:NAME``."""
STRATEGIES = ("moving-window", "fixed-window", "sliding-window-counter")


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    """Requests allowed per client. Off unless ``enabled``."""

    enabled: bool = False
    by: str = "ip"
    """``api_key`` (the key's id; clients without one count by IP), ``subject`` (the
    caller's identity: key id, JWT subject; else IP), ``ip``, or ``header:NAME``."""
    limit: str = "100/minute"
    """The default limit, in the ``limits`` library's notation (``100/minute``,
    ``10/second``, ``1000 per hour``)."""
    burst: int | None = None
    """At most this many requests in any one second, on top of ``limit``."""
    strategy: str = "moving-window"
    redis_url: str | None = None
    """Shared counters for every worker and replica; ``REDIS_URL`` when unset;
    in-process memory when neither is set."""
    on_backend_error: str = "allow"
    """``allow`` or ``deny`` requests while Redis is unreachable."""
    overrides: tuple[tuple[str, str], ...] = ()
    """``(client id, limit)`` pairs that replace the default for those clients;
    an API key's own ``rate_limit`` column wins over both."""
    count_usage: bool = True
    """Count requests per API key per minute in the same backend (drained into the
    database by the usage consolidator)."""
