"""Validation of a new key's fields, shared by the admin API and ``gateway keys create``.

Everything a client sends is checked by length first and parsed without regex."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from router.auth.api_keys.errors import InvalidApiKeyField

MAX_NAME = 128
MAX_SCOPES = 64
MAX_SCOPE = 128
SCOPE_EXTRA = frozenset(":._-/*")
RATE_UNITS = ("second", "minute", "hour", "day")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FIELDS = {"name", "scopes", "expires_at", "rate_limit"}


@dataclass(frozen=True, slots=True)
class NewKeyFields:
    name: str
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    rate_limit: str | None = None


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise InvalidApiKeyField(f"'name' must be a non-empty string of at most {MAX_NAME}.")
    if not name.isprintable():
        raise InvalidApiKeyField("'name' must not contain control characters.")
    return name.strip()


def _scope_ok(scope: str) -> bool:
    return (
        0 < len(scope) <= MAX_SCOPE
        and scope.isascii()
        and all(c.isalnum() or c in SCOPE_EXTRA for c in scope)
    )


def check_scopes(scopes: Any) -> tuple[str, ...]:
    if scopes is None:
        return ()
    if not isinstance(scopes, list) or len(scopes) > MAX_SCOPES:
        raise InvalidApiKeyField(f"'scopes' must be a list of at most {MAX_SCOPES} strings.")
    for scope in scopes:
        if not isinstance(scope, str) or not _scope_ok(scope):
            raise InvalidApiKeyField(
                "Each scope must be 1-128 ASCII letters, digits or ':._-/*' (like 'orders:read')."
            )
    return tuple(sorted(set(scopes)))


def check_rate_limit(value: Any) -> str | None:
    """``N/unit`` (unit: second, minute, hour or day), e.g. ``100/minute``."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= 32:
        count, slash, unit = value.strip().partition("/")
        if slash and count.isascii() and count.isdigit() and int(count) > 0 and unit in RATE_UNITS:
            return f"{int(count)}/{unit}"
    raise InvalidApiKeyField(
        "'rate_limit' must look like '100/minute' (per second, minute, hour or day)."
    )


def check_expires_at(value: Any, now: datetime | None = None) -> datetime | None:
    """An ISO-8601 moment in the future (UTC when no offset is given)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidApiKeyField("'expires_at' must be an ISO-8601 date-time string.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidApiKeyField(
            "'expires_at' must be an ISO-8601 date-time like 2027-01-31T00:00:00Z."
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment <= (now or datetime.now(UTC)):
        raise InvalidApiKeyField("'expires_at' is in the past: the key would never work.")
    return moment.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w``, ``45s``: the CLI's ``--expires``."""
    raw = text.strip().lower()
    number, unit = raw[:-1], raw[-1:]
    if unit not in DURATION_UNITS or not number.isascii() or not number.isdigit():
        raise InvalidApiKeyField(
            f"--expires {text!r}: expected a number and a unit (s, m, h, d, w), like 30d."
        )
    seconds = int(number) * DURATION_UNITS[unit]
    if seconds <= 0 or seconds > 100 * 365 * 86400:
        raise InvalidApiKeyField(f"--expires {text!r}: must be more than 0 and under 100 years.")
    return timedelta(seconds=seconds)


def new_key_fields(body: dict[str, Any]) -> NewKeyFields:
    """The admin API's ``POST /admin/api/keys`` body, checked; unknown fields are refused."""
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        shown = ", ".join(k[:40] for k in unknown[:5])
        raise InvalidApiKeyField(
            f"Unknown field(s): {shown}; allowed: {', '.join(sorted(FIELDS))}."
        )
    if "name" not in body:
        raise InvalidApiKeyField("'name' is required.")
    return NewKeyFields(
        name=check_name(body["name"]),
        scopes=check_scopes(body.get("scopes")),
        expires_at=check_expires_at(body.get("expires_at")),
        rate_limit=check_rate_limit(body.get("rate_limit")),
    )
