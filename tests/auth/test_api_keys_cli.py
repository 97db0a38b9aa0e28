"""``gateway keys create|list|revoke`` through the real command line, on SQLite and
PostgreSQL; the created key is checked by ``ApiKeyVerifier`` against the same database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from router.auth.api_keys import ApiKeyVerifier
from router.auth.errors import AuthError
from tests.auth.keys import opened


def gateway(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "router.cli", "keys", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_create_list_revoke(key_database: str) -> None:
    created = gateway(
        key_database, "create", "--name", "nightly", "--scopes", "orders:read, admin",
        "--expires", "30d", "--rate-limit", "10/second",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert created.stdout == key + "\n"  # only the key: KEY=$(gateway keys create ...)
    assert len(key) == 55 and key.startswith("gk_")
    key_id = key[3:11]
    assert key not in created.stderr and key_id in created.stderr

    async with opened(key_database) as store:
        identity = await ApiKeyVerifier(store).verify(key)
    assert identity.name == "nightly" and identity.scopes == {"admin", "orders:read"}
    assert identity.claims == {"rate_limit": "10/second"}

    table = gateway(key_database, "list")
    assert table.returncode == 0, table.stderr
    assert key_id in table.stdout and "nightly" in table.stdout and "active" in table.stdout
    assert key[12:] not in table.stdout
    listed = orjson.loads(gateway(key_database, "list", "--json").stdout)["keys"]
    assert [(k["id"], k["status"]) for k in listed] == [(key_id, "active")]
    assert listed[0]["expires_at"] is not None

    revoked = gateway(key_database, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked API key {key_id}" in revoked.stdout
    async with opened(key_database) as store:
        with pytest.raises(AuthError, match="revoked"):
            await ApiKeyVerifier(store).verify(key)
        audit = [(e["action"], e["actor"]) for e in await _audit(store)]
    assert [a for a, _ in audit] == ["api_key.revoke", "api_key.create"]
    assert all(actor.startswith("cli:") for _, actor in audit)


async def _audit(store: object) -> list[dict[str, object]]:
    from router.registry.store import RegistryStore

    return await RegistryStore(store.engine).audit_log()  # type: ignore[attr-defined]


def test_cli_refusals(tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    not_migrated = gateway(fresh, "list")
    assert not_migrated.returncode == 1 and "gateway db upgrade" in not_migrated.stderr
    from router.registry import migrations

    migrations.upgrade(fresh)
    bad = gateway(fresh, "create", "--name", "x", "--expires", "soon")
    assert bad.returncode == 2 and "--expires 'soon'" in bad.stderr and bad.stdout == ""
    missing = gateway(fresh, "revoke", "abcdefgh")
    assert missing.returncode == 1 and "No API key with id 'abcdefgh'" in missing.stderr
