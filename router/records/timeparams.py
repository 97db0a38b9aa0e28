"""Time parameters of the admin API: ``7d``, ``24h``, ``30m`` (ago) or an ISO datetime.

Parsed by hand (digits and one unit letter, or ``datetime.fromisoformat``): no
regular expression meets the client's text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_AGO_S = 10 * 366 * 86400
MAX_TEXT = 64


class BadTime(ValueError):
    pass


def parse_time(raw: str, now: datetime | None = None) -> datetime:
    """A moment: ``Nd`` / ``Nh`` / ``Nm`` / ``Nw`` before ``now``, or ISO 8601 (UTC if naive)."""
    text = raw.strip()
    if not text or len(text) > MAX_TEXT:
        raise BadTime(f"expected a duration like 7d or an ISO datetime, got {raw[:MAX_TEXT]!r}")
    now = now or datetime.now(UTC)
    unit = text[-1].lower()
    if unit in UNITS and text[:-1].isascii() and text[:-1].isdigit():
        seconds = int(text[:-1]) * UNITS[unit]
        if seconds > MAX_AGO_S:
            raise BadTime(f"{raw!r} reaches back more than ten years")
        return now - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadTime(
            f"expected a duration like 7d or an ISO datetime, got {raw[:MAX_TEXT]!r}"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes that were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
