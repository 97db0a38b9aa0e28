"""``gateway db upgrade|downgrade|current``: alembic's commands with our settings.

Wrapping alembic means operators need no alembic.ini in their working directory:
the script location is the repository's ``alembic/`` and the URL is ``DATABASE_URL``.
These are synchronous (alembic's env.py runs its own event loop).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from alembic.config import Config

from alembic import command
from router.registry.database import ALEMBIC_DIR, async_url, database_url


def alembic_config(url: str | None = None, audit_partitioning: str | None = None) -> Config:
    """``audit_partitioning`` (``monthly`` | ``none``) is read by the
    ``1759000001000_partition_audit_logs`` revision; None = ``AUDIT_PARTITIONING``."""
    config = Config(stdout=io.StringIO())
    if audit_partitioning is not None:
        config.attributes["audit_partitioning"] = audit_partitioning
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", async_url(url or database_url()).replace("%", "%%"))
    return config


def _off_loop(job: Callable[[], None]) -> None:
    """Run ``job`` in a worker thread when this thread already runs an event loop:
    env.py calls ``asyncio.run``, which refuses to nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        job()
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(job).result()


def upgrade(
    url: str | None = None, revision: str = "head", audit_partitioning: str | None = None
) -> None:
    _off_loop(lambda: command.upgrade(alembic_config(url, audit_partitioning), revision))


def downgrade(url: str | None = None, revision: str = "base") -> None:
    _off_loop(lambda: command.downgrade(alembic_config(url), revision))


def current(url: str | None = None) -> str:
    config = alembic_config(url)
    command.current(config)
    out = config.stdout
    return out.getvalue().strip() if isinstance(out, io.StringIO) else ""
