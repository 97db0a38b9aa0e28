"""Fixtures: a migrated key database on SQLite and on PostgreSQL, a products
subgraph, registry-mode routers (always stopped)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.auth.keys import database
from tests.e2e.harness import Subgraphs
from tests.registry.harness import RegistryRouter, products_spec


@pytest.fixture(params=["sqlite", "postgresql"])
def key_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database(request.param, tmp_path)


@pytest.fixture
def products() -> Iterator[Subgraphs]:
    servers = Subgraphs()
    servers.start([products_spec()])
    yield servers
    servers.stop()


@pytest.fixture
def start_router() -> Iterator[Callable[..., RegistryRouter]]:
    routers: list[RegistryRouter] = []

    def start(database_url: str, **options: Any) -> RegistryRouter:
        router = RegistryRouter(database_url, **options)
        routers.append(router)
        return router

    yield start
    for router in routers:
        if not router.server.should_exit:
            router.stop()
