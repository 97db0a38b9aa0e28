"""Usage, audit and maintenance tables (created by ``alembic/`` migrations only).

- ``usage_stats``: one row per (hour, client, operation name, operation hash) with
  summed requests, errors, duration, response bytes, and a duration histogram in
  twelve fixed buckets (``d0`` .. ``d11``, bounds in ``DURATION_BOUNDS_MS``) from
  which the admin UI reads p95: rows add up bucket by bucket, which a stored
  percentile would not.
- ``usage_operations``: each operation document once per hash (first/last seen).
- ``api_key_usage``: requests per API key per minute, from the consolidator.
- ``flush_batches``: ids of batches already written, so a batch retried after an
  ambiguous failure (the commit happened, the answer was lost) is never counted twice.
- ``retention_metadata``: what the retention job deletes, by which column, after
  how many days, and what it did last.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from router.registry.models import Base, utcnow

DURATION_BOUNDS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
"""Upper bounds of the duration buckets ``d0`` .. ``d10``; ``d11`` is everything slower."""
BUCKETS = len(DURATION_BOUNDS_MS) + 1
BUCKET_COLUMNS = tuple(f"d{i}" for i in range(BUCKETS))

_ID = BigInteger().with_variant(Integer, "sqlite")


class UsageStat(Base):
    __tablename__ = "usage_stats"
    __table_args__ = (
        UniqueConstraint(
            "hour", "client_kind", "client", "operation_name", "operation_hash", name="uq_usage_key"
        ),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    client_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    """``api_key``, ``jwt``, ``client_name`` (header) or ``anonymous``."""
    client: Mapped[str] = mapped_column(String(256), nullable=False)
    operation_name: Mapped[str] = mapped_column(String(256), nullable=False)
    """``""`` for anonymous operations and unparsed documents."""
    operation_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    requests: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    duration_ms: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    response_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d0: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d1: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d2: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d3: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d4: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d5: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d6: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d7: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d8: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d9: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d10: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    d11: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class UsageOperation(Base):
    __tablename__ = "usage_operations"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    document: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKeyUsage(Base):
    __tablename__ = "api_key_usage"

    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class FlushBatch(Base):
    __tablename__ = "flush_batches"

    batch_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RetentionRule(Base):
    __tablename__ = "retention_metadata"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    time_column: Mapped[str] = mapped_column(String(64), nullable=False)
    retention_days: Mapped[int] = mapped_column(Integer, nullable=False)
    batch_size: Mapped[int] = mapped_column(Integer, nullable=False, default=5000)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_cutoff: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rows_deleted: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
