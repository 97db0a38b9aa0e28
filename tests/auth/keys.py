"""Shared pieces of the API-key tests: databases on both engines, and a minimal
auth plugin that puts ``ApiKeyVerifier`` on a real router's request path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import update

from router.auth.api_keys import ApiKeyStore, ApiKeyVerifier
from router.auth.api_keys.fields import NewKeyFields
from router.auth.errors import AuthError
from router.errors import RequestError
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin
from router.registry import migrations
from router.registry.database import make_engine
from router.registry.models import ApiKey
from tests.registry.harness import migrated_sqlite, postgres_database


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[ApiKeyStore]:
    store = ApiKeyStore(make_engine(url), owns_engine=True)
    try:
        yield store
    finally:
        await store.close()


async def new_key(store: ApiKeyStore, name: str = "ci", **fields: object) -> tuple[str, str]:
    """(key id, full key) of a fresh key."""
    record, key = await store.create(NewKeyFields(name, **fields), "test")  # type: ignore[arg-type]
    return record.id, key


async def set_expiry(store: ApiKeyStore, key_id: str, moment: datetime) -> None:
    async with store.engine.begin() as connection:
        await connection.execute(
            update(ApiKey.__table__)
            .where(ApiKey.__table__.c.id == key_id)
            .values(expires_at=moment)  # type: ignore[arg-type]
        )


def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database: a SQLite file, or a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield migrated_sqlite(tmp_path)
        return
    with postgres_database() as url:
        migrations.upgrade(url)
        yield url


class ApiKeyCheck(Plugin):
    """A stand-in for the auth plugin (router/auth/plugin.py): the key from
    ``x-api-key`` or ``Authorization: ApiKey``, verified, into ``ctx.client``."""

    name = "api-key-check"

    def __init__(self, verifier: ApiKeyVerifier) -> None:
        self.verifier = verifier

    async def start(self) -> None:
        await self.verifier.start()

    async def stop(self) -> None:
        await self.verifier.stop()

    async def on_request(self, ctx: RequestContext) -> None:
        headers = ctx.http.headers
        raw = headers.get("x-api-key")
        if raw is None:
            scheme, _, rest = headers.get("authorization", "").partition(" ")
            raw = rest if scheme.lower() == "apikey" else None
        if raw is None:
            raise RequestError.single(401, "Send an API key.", "UNAUTHENTICATED")
        try:
            ctx.client = await self.verifier.verify(raw)
        except AuthError as exc:
            raise exc.to_request_error() from exc
