"""``gateway keys create|list|revoke``: manage API keys in the registry database
(``DATABASE_URL``), for operators and scripts.

``create`` prints only the key on stdout so a script can capture it
(``KEY=$(gateway keys create --name ci)``); everything else goes to stderr. Each
change is audited in ``audit_logs`` with the actor ``cli:<user>@<host>``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from router.auth.api_keys.errors import InvalidApiKeyField
from router.auth.api_keys.fields import (
    NewKeyFields,
    check_name,
    check_rate_limit,
    check_scopes,
    parse_duration,
)
from router.auth.api_keys.store import ApiKeyRecord, ApiKeyStore
from router.registry.errors import RegistryError


def add_keys_commands(commands: Any) -> None:
    keys = commands.add_parser("keys", help="manage client API keys (DATABASE_URL)")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument("--scopes", default="", help="comma-separated scopes, e.g. orders:read")
    create.add_argument("--expires", help="lifetime: a number and s, m, h, d or w (e.g. 30d)")
    create.add_argument("--rate-limit", help="per-key limit like 100/minute")
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", help="the key id (the 8 characters after gk_)")


def _actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"


def _fields(args: argparse.Namespace) -> NewKeyFields:
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    expires_at = None
    if args.expires:
        expires_at = datetime.now(UTC) + parse_duration(args.expires)
    return NewKeyFields(
        name=check_name(args.name),
        scopes=check_scopes(scopes),
        expires_at=expires_at,
        rate_limit=check_rate_limit(args.rate_limit),
    )


def _table(records: list[ApiKeyRecord]) -> str:
    header = ("ID", "NAME", "STATUS", "SCOPES", "RATE LIMIT", "EXPIRES", "LAST USED")
    now = datetime.now(UTC)
    rows = [header] + [
        (
            r.id,
            r.name,
            r.status(now),
            ",".join(r.scopes) or "-",
            r.rate_limit or "-",
            r.expires_at.isoformat(timespec="seconds") if r.expires_at else "-",
            r.last_used_at.isoformat(timespec="seconds") if r.last_used_at else "-",
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


async def _run(args: argparse.Namespace) -> int:
    from router.registry.database import check_migrated, database_url, make_engine

    engine = make_engine(database_url())
    store = ApiKeyStore(engine, owns_engine=True)
    try:
        await check_migrated(engine)
        if args.keys_command == "create":
            record, key = await store.create(_fields(args), _actor())
            print(key)
            print(
                f"created API key {record.id} ({record.name}); it is shown only once",
                file=sys.stderr,
            )
        elif args.keys_command == "list":
            records = await store.list()
            if args.json:
                print(orjson.dumps({"keys": [r.public_json() for r in records]}).decode())
            else:
                print(_table(records))
        else:
            record = await store.revoke(args.id, _actor())
            print(f"revoked API key {record.id} ({record.name})")
        return 0
    finally:
        await store.close()


def run_keys(args: argparse.Namespace) -> int:
    from router.registry.database import NotMigratedError

    try:
        return asyncio.run(_run(args))
    except (InvalidApiKeyField, RegistryError) as exc:
        print(f"gateway keys {args.keys_command}: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidApiKeyField) else 1
    except NotMigratedError as exc:
        print(f"gateway keys: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # unreachable database, bad URL
        print(f"gateway keys {args.keys_command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
