"""Usage statistics, operation documents, the audit log (the registry's audit table
merged into it), API-key usage, flush batch ids and retention metadata.

Revision ID: 0004_usage_audit
Revises: 0003_service_urls
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004_usage_audit"
down_revision = "0003_service_urls"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BUCKETS = 12
RETENTION = (
    ("audit_logs", "created_at", 365),
    ("usage_stats", "hour", 90),
    ("api_key_usage", "minute", 90),
    ("flush_batches", "created_at", 2),
)


def upgrade() -> None:
    op.create_table(
        "audit_logs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
    )
    op.execute(
        "INSERT INTO audit_logs (created_at, actor, action, target, detail) "
        "SELECT COALESCE(at, CURRENT_TIMESTAMP), actor, action, target, detail FROM registry_audit ORDER BY id"
    )
    op.drop_index("ix_registry_audit_at", table_name="registry_audit")
    op.drop_table("registry_audit")
    op.create_table(
        "usage_stats",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_kind", sa.String(32), nullable=False),
        sa.Column("client", sa.String(256), nullable=False),
        sa.Column("operation_name", sa.String(256), nullable=False),
        sa.Column("operation_hash", sa.String(64), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("response_bytes", sa.BigInteger(), nullable=False),
        *(sa.Column(f"d{i}", sa.BigInteger(), nullable=False) for i in range(BUCKETS)),
        sa.UniqueConstraint(
            "hour", "client_kind", "client", "operation_name", "operation_hash", name="uq_usage_key"
        ),
    )
    op.create_table(
        "usage_operations",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_key_usage",
        sa.Column("minute", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("requests", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "flush_batches",
        sa.Column("batch_id", sa.String(96), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    rules = op.create_table(
        "retention_metadata",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("time_column", sa.String(64), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_cutoff", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_deleted", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(
        rules,
        [
            {
                "table_name": table,
                "time_column": column,
                "retention_days": days,
                "batch_size": 5000,
                "rows_deleted": 0,
            }
            for table, column, days in RETENTION
        ],
    )


def downgrade() -> None:
    for table in (
        "retention_metadata",
        "flush_batches",
        "api_key_usage",
        "usage_operations",
        "usage_stats",
    ):
        op.drop_table(table)
    op.create_table(
        "registry_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_registry_audit_at", "registry_audit", ["at"])
    op.execute(
        "INSERT INTO registry_audit (at, actor, action, target, detail) "
        "SELECT created_at, actor, action, target, detail FROM audit_logs ORDER BY id"
    )
    op.drop_table("audit_logs")
