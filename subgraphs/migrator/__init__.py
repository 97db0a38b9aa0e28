"""A small, reusable MongoDB migration framework.

Migrations are Python modules with `async def up(db)` / `async def down(db)`, found by
scanning a service's migrations package (no central list), applied in id order, and
recorded in the service's own database (`_migrations`). See docs/migrations.md.
"""

from subgraphs.migrator.discovery import Migration, MigrationDefinitionError, discover
from subgraphs.migrator.lock import LockBusyError, MigrationLock
from subgraphs.migrator.runner import (
    MigrationFailedError,
    MigrationStateError,
    Migrator,
    PlanStep,
    StatusRow,
)

__all__ = [
    "LockBusyError",
    "Migration",
    "MigrationDefinitionError",
    "MigrationFailedError",
    "MigrationLock",
    "MigrationStateError",
    "Migrator",
    "PlanStep",
    "StatusRow",
    "discover",
]
