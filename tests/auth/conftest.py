"""Fixtures: a migrated key database on SQLite and on PostgreSQL, a products
subgraph, registry-mode routers (always stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.keys import database
from tests.e2e.harness import Subgraphs
from tests.registry.harness import products_spec
from tests.registry.harness import start_router as start_router


@pytest.fixture(params=["sqlite", "postgresql"])
def key_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database(request.param, tmp_path)


@pytest.fixture
def products() -> Iterator[Subgraphs]:
    servers = Subgraphs()
    servers.start([products_spec()])
    yield servers
    servers.stop()
