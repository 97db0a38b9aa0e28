"""The key format: what ``gateway keys create`` makes parses back; anything else is
refused in time linear in a bounded input."""

from __future__ import annotations

import time

import pytest

from router.auth.api_keys.keyformat import (
    KEY_LENGTH,
    format_key,
    new_key_id,
    new_secret,
    parse_key,
    secret_hash,
)


def test_generated_keys_parse_back() -> None:
    seen = set()
    for _ in range(200):
        key_id, secret = new_key_id(), new_secret()
        key = format_key(key_id, secret)
        assert len(key) == KEY_LENGTH == 55
        parsed = parse_key(key)
        assert parsed is not None
        assert (parsed.id, parsed.secret) == (key_id, secret)
        assert parsed.secret_hash == secret_hash(secret) and len(parsed.secret_hash) == 64
        seen.add(secret)
    assert len(seen) == 200


GOOD = format_key("AbCd1234", "x" * 43)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "gk_",
        GOOD[:-1],
        GOOD + "x",
        "xk" + GOOD[2:],
        GOOD.replace("_", "-"),
        "gk_AbCd_1234" + "x" * 43,  # three parts
        "gk_AbCd12345" + "x" * 43,  # no second underscore at all
        "gk_AbCd123\u0663_" + "x" * 43,  # a non-ASCII digit
        "gk_AbCd1234_" + "x" * 42 + "=",
        "gk_AbCd1234_" + "x" * 42 + "\u00e9",
        " " + GOOD[1:],
    ],
)
def test_malformed_keys_are_refused(raw: str) -> None:
    assert parse_key(raw) is None
    assert parse_key(GOOD) is not None


def test_parsing_hostile_input_is_fast() -> None:
    hostile = ["gk_" + "_" * 100_000, "gk_" + "a" * 1_000_000, "_" * 1_000_000]
    started = time.perf_counter()
    for raw in hostile * 10:
        assert parse_key(raw) is None
    assert time.perf_counter() - started < 0.5
