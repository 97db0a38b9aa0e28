"""Monthly partitions for ``audit_logs`` on PostgreSQL (the seed's
``1759000001000-PartitionAuditLogs``).

Chosen by ``audit.partitioning`` (``monthly``, the default, or ``none``): ``gateway
db upgrade`` passes it as the alembic attribute ``audit_partitioning``; without it
``AUDIT_PARTITIONING`` is read. SQLite runs this revision and changes nothing.

On PostgreSQL the table is rebuilt as ``PARTITION BY RANGE (created_at)`` with the
primary key ``(id, created_at)`` (a partitioned table's keys must hold the partition
column), its rows copied over, the id sequence kept. ``create_audit_logs_partition
(first_of_month date)`` creates ``audit_logs_pYYYYMM`` when missing (the maintenance
job calls it for the coming months; operators may too); partitions for the months of
existing rows and the next two months are created here. A ``DEFAULT`` partition
catches a row whose month has no partition yet, so a late maintenance run never
loses an entry.

Revision ID: 1759000001000
Revises: 1759000000000
Create Date: 2026-12-01
"""

from __future__ import annotations

import os

from alembic import context, op

revision = "1759000001000"
down_revision = "1759000000000"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION create_audit_logs_partition(first_of_month date)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    start_at date := date_trunc('month', first_of_month)::date;
    part text := 'audit_logs_p' || to_char(start_at, 'YYYYMM');
BEGIN
    IF to_regclass(part) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF audit_logs FOR VALUES FROM (%L) TO (%L)',
            part, start_at::timestamptz, (start_at + interval '1 month')::timestamptz
        );
    END IF;
    RETURN part;
END
$$;
"""

AUDIT_INDEXES = (
    ("ix_audit_logs_created_at", "created_at"),
    ("ix_audit_logs_actor_created_at", "actor, created_at"),
    ("ix_audit_logs_action_created_at", "action, created_at"),
)


def partitioning() -> str:
    chosen = context.config.attributes.get("audit_partitioning") or os.environ.get(
        "AUDIT_PARTITIONING", "monthly"
    )
    return str(chosen).strip().lower()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or partitioning() != "monthly":
        return
    op.execute("ALTER TABLE audit_logs RENAME TO audit_logs_unpartitioned")
    for name, _ in AUDIT_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        """
        CREATE TABLE audit_logs (
            id bigint NOT NULL DEFAULT nextval('audit_logs_id_seq'),
            created_at timestamptz NOT NULL,
            actor varchar(256) NOT NULL,
            action varchar(64) NOT NULL,
            target varchar(256),
            detail json NOT NULL,
            request_id varchar(128),
            ip varchar(64),
            PRIMARY KEY (id, created_at)
        ) PARTITION BY RANGE (created_at)
        """
    )
    op.execute(FUNCTION)
    op.execute("CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT")
    op.execute(
        """
        SELECT create_audit_logs_partition(m::date)
        FROM generate_series(
            date_trunc('month', LEAST(
                COALESCE((SELECT min(created_at) FROM audit_logs_unpartitioned), now()), now())),
            date_trunc('month', now()) + interval '2 months',
            interval '1 month') AS m
        """
    )
    op.execute("INSERT INTO audit_logs SELECT * FROM audit_logs_unpartitioned")
    op.execute("ALTER SEQUENCE audit_logs_id_seq OWNED BY audit_logs.id")
    op.execute("DROP TABLE audit_logs_unpartitioned")
    for name, columns in AUDIT_INDEXES:
        op.execute(f"CREATE INDEX {name} ON audit_logs ({columns})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    partitioned = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('audit_logs')"
    )
    if partitioned.first() is None:
        return
    op.execute("ALTER TABLE audit_logs RENAME TO audit_logs_partitioned")
    for name, _ in AUDIT_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        """
        CREATE TABLE audit_logs (
            id bigint NOT NULL DEFAULT nextval('audit_logs_id_seq') PRIMARY KEY,
            created_at timestamptz NOT NULL,
            actor varchar(256) NOT NULL,
            action varchar(64) NOT NULL,
            target varchar(256),
            detail json NOT NULL,
            request_id varchar(128),
            ip varchar(64)
        )
        """
    )
    op.execute("INSERT INTO audit_logs SELECT * FROM audit_logs_partitioned")
    op.execute("ALTER SEQUENCE audit_logs_id_seq OWNED BY audit_logs.id")
    op.execute("DROP TABLE audit_logs_partitioned CASCADE")
    op.execute("DROP FUNCTION IF EXISTS create_audit_logs_partition(date)")
    for name, columns in AUDIT_INDEXES:
        op.execute(f"CREATE INDEX {name} ON audit_logs ({columns})")
