"""Registry tables (SQLAlchemy 2 declarative). Created only by ``alembic/`` migrations.

- ``services``: what the operator registered (URL, flags, headers, timeout).
- ``schema_versions``: every distinct SDL fetched from a service, newest last; the
  latest one is the cached SDL used when the service is down.
- ``supergraph_versions``: every composed supergraph; the active one is the row with
  the latest ``activated_at`` (one timestamp write activates, so several routers can
  race without two rows ever being "active").
- ``audit_logs``: who changed what, when (``AuditLog``; the registry's own audit
  table merged into it, see router/audit).
- ``api_keys``: client API keys (router/auth/api_keys): the sha256 of each secret,
  never the secret itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    urls: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """More instances (replicas) of the service beside ``url``; requests are balanced
    over ``url`` and these. ``url`` alone serves the SDL fetch."""
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    use_msgpack: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    headers: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    """Names of client request headers forwarded to this subgraph."""
    timeout_s: Mapped[float] = mapped_column(Float, nullable=False, default=30.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class SchemaVersion(Base):
    __tablename__ = "schema_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True, nullable=False
    )
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupergraphVersion(Base):
    __tablename__ = "supergraph_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sdl: Mapped[str] = mapped_column(Text, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    composed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), index=True, nullable=True
    )
    service_versions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    """``{service name: {"schema_version_id": id, "hash": sdl hash, "url": url}}``."""


class AuditLog(Base):
    """One audit entry. Registry and API-key changes write theirs in the same
    transaction as the change; the audit plugin (router/audit) writes the rest in
    batches. On PostgreSQL the table may be partitioned by month on ``created_at``
    (its primary key is then ``(id, created_at)``)."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(
        "created_at", DateTime(timezone=True), default=utcnow, nullable=False
    )
    actor: Mapped[str] = mapped_column(String(256), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str | None] = mapped_column(String(256), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


RegistryAudit = AuditLog
"""The registry's name for it (its own ``registry_audit`` table merged into this one)."""


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    """The 8-character id inside the key (``gk_<id>_<secret>``): what a lookup uses."""
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    """``gk_<id>``: the visible part an operator can match against a leaked key."""
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    """sha256 of the secret part, hex."""
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    rate_limit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """A per-key override such as ``100/minute``; None = the router's default."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
