"""Fixtures: running subgraph servers and registry-mode routers, always stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.harness import (
    clashing_spec,
    migrated_sqlite,
    products_spec,
    reviews_spec,
)
from tests.registry.harness import start_router as start_router


@pytest.fixture
def subgraphs() -> Iterator[Subgraphs]:
    servers = Subgraphs()
    servers.start([products_spec(), reviews_spec(), clashing_spec()])
    yield servers
    servers.stop()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path)
