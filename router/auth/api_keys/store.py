"""The ``api_keys`` table: the only module that reads or writes it.

Each change is one transaction that also writes its ``audit_logs`` row, so a key
never changes without a record of who changed it. The secret leaves this module
once, in ``create``'s return value; only its sha256 is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from router.auth.api_keys.errors import ApiKeyNotFound
from router.auth.api_keys.fields import NewKeyFields
from router.auth.api_keys.keyformat import (
    format_key,
    is_key_id,
    new_key_id,
    new_secret,
    secret_hash,
    visible_prefix,
)
from router.registry.models import ApiKey, RegistryAudit, utcnow
from router.registry.store import iso


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes that were stored as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A detached copy of one ``api_keys`` row."""

    id: str
    name: str
    prefix: str
    secret_hash: str
    scopes: tuple[str, ...]
    rate_limit: str | None
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def public_json(self, now: datetime | None = None) -> dict[str, Any]:
        """What the admin API and CLI show: never the hash, never the secret."""
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "scopes": list(self.scopes),
            "rate_limit": self.rate_limit,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "last_used_at": iso(self.last_used_at),
            "status": self.status(now or datetime.now(UTC)),
        }

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def _record(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes or ()),
        rate_limit=row.rate_limit,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at),
        last_used_at=as_utc(row.last_used_at),
    )


class ApiKeyStore:
    """Reads and writes ``api_keys`` over an engine it does not own (unless told to)."""

    def __init__(self, engine: AsyncEngine, owns_engine: bool = False) -> None:
        self.engine = engine
        self.owns_engine = owns_engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def close(self) -> None:
        if self.owns_engine:
            await self.engine.dispose()

    async def create(self, fields: NewKeyFields, actor: str) -> tuple[ApiKeyRecord, str]:
        """Store a new key; (its record, the full key: shown once, never stored)."""
        secret = new_secret()
        async with self.sessions.begin() as session:
            key_id = new_key_id()
            while await session.get(ApiKey, key_id) is not None:  # 62**8 ids: ~never
                key_id = new_key_id()
            row = ApiKey(
                id=key_id,
                name=fields.name,
                prefix=visible_prefix(key_id),
                secret_hash=secret_hash(secret),
                scopes=list(fields.scopes),
                rate_limit=fields.rate_limit,
                created_at=utcnow(),
                expires_at=fields.expires_at,
            )
            session.add(row)
            session.add(
                RegistryAudit(
                    actor=actor,
                    action="api_key.create",
                    target=key_id,
                    detail={
                        "name": fields.name,
                        "scopes": list(fields.scopes),
                        "expires_at": iso(fields.expires_at),
                        "rate_limit": fields.rate_limit,
                    },
                )
            )
            await session.flush()
            return _record(row), format_key(key_id, secret)

    async def list(self) -> list[ApiKeyRecord]:
        async with self.sessions() as session:
            query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
            return [_record(row) for row in (await session.scalars(query)).all()]

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        """The row for ``key_id`` (the verifier's lookup: one primary-key read)."""
        if not is_key_id(key_id):
            return None
        async with self.sessions() as session:
            row = await session.get(ApiKey, key_id)
            return _record(row) if row is not None else None

    async def revoke(self, key_id: str, actor: str) -> ApiKeyRecord:
        """Mark the key revoked (idempotent: revoking again changes and audits nothing)."""
        async with self.sessions.begin() as session:
            # Hostile path text (NUL bytes, 10 KB) never reaches the database.
            row = await session.get(ApiKey, key_id) if is_key_id(key_id) else None
            if row is None:
                raise ApiKeyNotFound(key_id)
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                session.add(
                    RegistryAudit(
                        actor=actor,
                        action="api_key.revoke",
                        target=key_id,
                        detail={"name": row.name},
                    )
                )
                await session.flush()
            return _record(row)

    async def touch(self, used: Mapping[str, datetime]) -> int:
        """Write ``last_used_at`` for many keys in one transaction; the number of keys."""
        if not used:
            return 0
        statement = (
            update(ApiKey.__table__)  # type: ignore[arg-type]
            .where(ApiKey.__table__.c.id == bindparam("key_id"))
            .where(  # another router may have written a later use already
                or_(
                    ApiKey.__table__.c.last_used_at.is_(None),
                    ApiKey.__table__.c.last_used_at < bindparam("used_at"),
                )
            )
            .values(last_used_at=bindparam("used_at"))
        )
        rows = [{"key_id": key_id, "used_at": moment} for key_id, moment in used.items()]
        async with self.engine.begin() as connection:
            await connection.execute(statement, rows)
        return len(rows)
