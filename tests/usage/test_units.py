"""The pure parts: the usage buffer's bounds and overflow merging, the audit queue's
drops, redaction without recursion, p95 from buckets, time parameters, and the
seed's variables over router.yaml."""

from __future__ import annotations

import pytest

from router.audit.buffer import AuditBuffer
from router.audit.redact import REDACTED, TRUNCATED, redact
from router.config.records import AuditSettings, UsageSettings
from router.config.settings import Settings, SettingsError
from router.records.timeparams import BadTime, parse_time
from router.usage.buffer import OVERFLOW, REQUESTS, UsageBuffer
from router.usage.query import percentile


def _key(n: int, hour: int = 3600) -> tuple[int, str, str, str, str]:
    return (hour, "client_name", f"c{n}", "Op", "h" * 64)


def test_the_buffer_wakes_at_max_and_merges_the_oldest_past_the_hard_cap() -> None:
    woken: list[int] = []
    buffer = UsageBuffer(3, lambda: woken.append(1))
    for n in range(3):
        buffer.record(_key(n), False, 1.0, 10)
    assert woken == [1] and buffer.full()
    for n in range(3, 100):
        buffer.record(_key(n), n % 2 == 0, 1.0, 10)
    assert woken == [1]  # told once, when the size reached the max
    assert buffer.size() <= buffer.hard_cap + 1
    assert buffer.merged > 0
    total = sum(row[REQUESTS] for row in buffer.counters.values())
    assert total == 100  # merged, never dropped
    assert (3600, OVERFLOW, "*", "", "") in buffer.counters
    batch = buffer.cut()
    assert batch is not None and batch.count == len(batch.rows.counters)
    assert buffer.size() == 0 and buffer.cut() is None


def test_documents_are_sent_once_and_long_ones_without_text() -> None:
    buffer = UsageBuffer(100, max_document_bytes=20)
    buffer.record((0, "anonymous", "anonymous", "A", "a" * 64), False, 1, 1, "{ a }")
    buffer.record((0, "anonymous", "anonymous", "B", "b" * 64), False, 1, 1, "{ " + "b " * 50 + "}")
    first = buffer.cut()
    assert first is not None
    assert first.rows.documents == {"a" * 64: ("A", "{ a }"), "b" * 64: ("B", None)}
    buffer.record((3600, "anonymous", "anonymous", "A", "a" * 64), False, 1, 1, "{ a }")
    second = buffer.cut()
    assert second is not None and second.rows.documents == {"a" * 64: ("A", None)}


def test_the_audit_queue_drops_the_oldest_past_its_cap_and_counts_them() -> None:
    buffer = AuditBuffer(2)
    for n in range(25):
        buffer.add({"n": n})
    assert buffer.size() == 20 and buffer.dropped == 5
    assert buffer.entries[0] == {"n": 5}


def test_redaction_is_deep_iterative_and_bounded() -> None:
    value: dict[str, object] = {"password": "p", "list": [{"Token": "t", "ok": 1}]}
    deep: dict[str, object] = {}
    cursor = deep
    for _ in range(100_000):  # far deeper than Python's recursion limit
        cursor["next"] = {}
        cursor = cursor["next"]  # type: ignore[assignment]
    out = redact(value, frozenset({"password", "token"}))
    assert out == {"password": REDACTED, "list": [{"Token": REDACTED, "ok": 1}]}
    assert TRUNCATED in str(redact(deep, frozenset()))
    assert redact(list(range(10_000)), frozenset(), max_nodes=10)[-1] == TRUNCATED


def test_p95_from_buckets() -> None:
    assert percentile([0] * 12) is None
    assert percentile([100] + [0] * 11) == pytest.approx(4.75)
    assert percentile([0] * 11 + [5]) == 10000.0
    assert percentile([90, 0, 0, 0, 10] + [0] * 7) == pytest.approx(75.0)


def test_time_parameters() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_time("7d", now) == now - timedelta(days=7)
    assert parse_time("36h", now) == now - timedelta(hours=36)
    assert parse_time("2026-11-01T00:00:00", now) == datetime(2026, 11, 1, tzinfo=UTC)
    for bad in ("", "7x", "-1d", "9" * 80, "99999999d", "yesterday"):
        with pytest.raises(BadTime):
            parse_time(bad, now)


def test_seed_variables_win_over_the_file() -> None:
    env = {
        "USAGE_FLUSH_INTERVAL_MS": "250",
        "USAGE_BUFFER_MAX_KEYS": "42",
        "AUDIT_FLUSH_INTERVAL_MS": "750",
        "AUDIT_BUFFER_MAX": "9",
        "API_KEY_USAGE_FLUSH_INTERVAL_MS": "1000",
    }
    base = Settings(usage=UsageSettings(enabled=True), audit=AuditSettings(mutations=True))
    settings = Settings.from_env(env, base)
    assert settings.usage == UsageSettings(
        enabled=True, flush_interval_ms=250, buffer_max_keys=42, api_key_flush_interval_ms=1000
    )
    assert settings.audit == AuditSettings(mutations=True, flush_interval_ms=750, buffer_max=9)
    assert Settings.from_env({}) == Settings()
    with pytest.raises(SettingsError, match="USAGE_BUFFER_MAX_KEYS"):
        Settings.from_env({"USAGE_BUFFER_MAX_KEYS": "0"})
