"""Indexes for what the admin UI and the retention job ask (the seed's
``1759000000000-AddPerformanceIndexes``).

- usage over time by client / by operation, and the retention scan by ``hour``;
- operations seen since a moment (schema checks read ``usage_operations``);
- the audit page's filters (actor, action, time) and the retention scan;
- API-key usage by key over time and the retention scan by ``minute``.

Revision ID: 1759000000000
Revises: 0004_usage_audit
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "1759000000000"
down_revision = "0004_usage_audit"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_usage_stats_hour", "usage_stats", ["hour"]),
    ("ix_usage_stats_client_hour", "usage_stats", ["client", "hour"]),
    ("ix_usage_stats_operation_hour", "usage_stats", ["operation_hash", "hour"]),
    ("ix_usage_operations_last_seen", "usage_operations", ["last_seen"]),
    ("ix_audit_logs_created_at", "audit_logs", ["created_at"]),
    ("ix_audit_logs_actor_created_at", "audit_logs", ["actor", "created_at"]),
    ("ix_audit_logs_action_created_at", "audit_logs", ["action", "created_at"]),
    ("ix_api_key_usage_key_minute", "api_key_usage", ["key_id", "minute"]),
    ("ix_api_key_usage_minute", "api_key_usage", ["minute"]),
    ("ix_flush_batches_created_at", "flush_batches", ["created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
