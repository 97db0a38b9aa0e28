"""``gateway db upgrade|downgrade|current``: alembic's commands with our settings.

Wrapping alembic means operators need no alembic.ini in their working directory:
the script location is the repository's ``alembic/`` and the URL is ``DATABASE_URL``.
These are synchronous (alembic's env.py runs its own event loop).
"""

from __future__ import annotations

import io

from alembic.config import Config

from alembic import command
from router.registry.database import ALEMBIC_DIR, async_url, database_url


def alembic_config(url: str | None = None) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", async_url(url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str | None = None) -> str:
    config = alembic_config(url)
    command.current(config)
    out = config.stdout
    return out.getvalue().strip() if isinstance(out, io.StringIO) else ""
