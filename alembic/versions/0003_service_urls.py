"""Service replicas: ``services.urls``, more instances beside ``url``.

Existing rows get ``[]`` (one URL, as before), so old registries keep working.

Revision ID: 0003_service_urls
Revises: 0002_api_keys
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003_service_urls"
down_revision = "0002_api_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("urls", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("urls")
