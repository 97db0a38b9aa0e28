"""Fixtures: running subgraph servers and registry-mode routers, always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.harness import (
    RegistryRouter,
    clashing_spec,
    migrated_sqlite,
    products_spec,
    reviews_spec,
)


@pytest.fixture
def subgraphs() -> Iterator[Subgraphs]:
    servers = Subgraphs()
    servers.start([products_spec(), reviews_spec(), clashing_spec()])
    yield servers
    servers.stop()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path)


@pytest.fixture
def start_router() -> Iterator[Callable[..., RegistryRouter]]:
    routers: list[RegistryRouter] = []

    def start(database_url: str, **config: Any) -> RegistryRouter:
        router = RegistryRouter(database_url, **config)
        routers.append(router)
        return router

    yield start
    for router in routers:
        if not router.server.should_exit:
            router.stop()
