"""Service registry: services, schema versions, supergraph versions, registry audit.

Revision ID: 0001_registry
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001_registry"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("use_msgpack", sa.Boolean(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "schema_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sdl", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_schema_versions_service_id", "schema_versions", ["service_id"])
    op.create_table(
        "supergraph_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sdl", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("composed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_versions", sa.JSON(), nullable=False),
    )
    op.create_index("ix_supergraph_versions_hash", "supergraph_versions", ["hash"])
    op.create_index("ix_supergraph_versions_activated_at", "supergraph_versions", ["activated_at"])
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


def downgrade() -> None:
    op.drop_index("ix_registry_audit_at", table_name="registry_audit")
    op.drop_table("registry_audit")
    op.drop_index("ix_supergraph_versions_activated_at", table_name="supergraph_versions")
    op.drop_index("ix_supergraph_versions_hash", table_name="supergraph_versions")
    op.drop_table("supergraph_versions")
    op.drop_index("ix_schema_versions_service_id", table_name="schema_versions")
    op.drop_table("schema_versions")
    op.drop_table("services")
