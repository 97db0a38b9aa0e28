"""A router in registry mode (no supergraph file) on a loopback port, plus two
small federation subgraphs (products, reviews) and one that cannot compose with them.
The router runs in its own thread and loop, like tests/e2e/harness.RouterThread."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from router.config.settings import Settings
from router.pipeline.plugin import Plugin
from router.registry import migrations
from router.registry.config import RegistryConfig
from tests.e2e.harness import LoopThread, Subgraphs
from tests.e2e.subgraph_server import SubgraphSpec
from tests.support import free_port, require_server

TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

PRODUCTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { products: [Product!]! }
type Product @key(fields: "upc") { upc: ID! name: String! price: Int! }
"""
PRODUCT_ROWS = [
    {"upc": "1", "name": "Table", "price": 899},
    {"upc": "2", "name": "Couch", "price": 1299},
    {"upc": "3", "name": "Chair", "price": 54},
]
REVIEWS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "upc") { upc: ID! reviews: [Review!] }
type Review { id: ID! body: String! stars: Int! }
"""
REVIEW_ROWS = [
    {"upc": "1", "reviews": [{"id": "r1", "body": "Love it", "stars": 5}]},
    {"upc": "2", "reviews": [{"id": "r2", "body": "Too soft", "stars": 2}]},
    {"upc": "3", "reviews": []},
]
# Product.name as Int clashes with products' String: composition must refuse it.
CLASHING_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "upc") { upc: ID! name: Int! }
"""


def products_spec() -> SubgraphSpec:
    return SubgraphSpec(
        "products",
        PRODUCTS_SDL,
        rows={"Product": [dict(r) for r in PRODUCT_ROWS]},
        root={"products": [dict(r) for r in PRODUCT_ROWS]},
    )


def reviews_spec() -> SubgraphSpec:
    return SubgraphSpec("reviews", REVIEWS_SDL, rows={"Product": [dict(r) for r in REVIEW_ROWS]})


def clashing_spec() -> SubgraphSpec:
    return SubgraphSpec("clashing", CLASHING_SDL, rows={"Product": []})


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / f'registry-{uuid.uuid4().hex[:8]}.sqlite3'}"


def migrated_sqlite(directory: Path) -> str:
    url = sqlite_url(directory)
    migrations.upgrade(url)
    return url


PG_HOST, PG_PORT = "127.0.0.1", 5432


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); skips/fails via require_server."""
    require_server(PG_HOST, PG_PORT, "PostgreSQL")
    import asyncpg

    name = f"registry_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class RegistryRouter:
    """The real router app in registry mode under uvicorn, in a thread."""

    def __init__(
        self,
        database_url: str,
        plugins: tuple[Plugin, ...] = (),
        seen_operations: Any = None,
        settings: Settings | None = None,
        **config: Any,
    ) -> None:
        from dataclasses import replace

        from router.app import add_plugin, create_app
        from router.registry.mount import mount_registry

        self.port = free_port()
        settings = replace(
            settings or Settings(), port=self.port, log_level="warning", subgraph_timeout=5.0
        )
        self.app = create_app(settings)
        options: dict[str, Any] = {
            "admin_token": TOKEN,
            "poll_interval_s": 0,
            "sync_interval_s": 0,
            "fetch_timeout_s": 2.0,
        }
        options.update(config)
        self.registry = mount_registry(
            self.app, RegistryConfig(database_url, **options), seen_operations
        )
        for plugin in plugins:  # after the registry, as router.yaml plugins would be
            add_plugin(self.app, plugin)
        server_config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            loop="asyncio",
            lifespan="on",
            log_level="critical",
            access_log=False,
        )
        self.server = uvicorn.Server(server_config)
        self.loop = LoopThread("registry-router")
        self.future = asyncio.run_coroutine_threadsafe(self.server.serve(), self.loop.loop)
        deadline = time.monotonic() + 20
        while not self.server.started:
            if self.future.done():
                self.loop.stop()
                self.future.result()
                raise RuntimeError("router stopped during startup (see the log)")
            if time.monotonic() > deadline:
                raise TimeoutError("router did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url, timeout=20)

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**AUTH, **kwargs.pop("headers", {})}
        return self.http.request(method, "/admin/api" + path, headers=headers, **kwargs)

    def query(self, query: str) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query})
        return dict(response.json())

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        try:
            self.future.result(10)
        finally:
            self.loop.stop()


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


__all__ = ["Subgraphs"]


@pytest.fixture
def start_router() -> Iterator[Callable[..., RegistryRouter]]:
    """Starts registry-mode routers for a test and stops those it left running."""
    routers: list[RegistryRouter] = []

    def start(database_url: str, **options: Any) -> RegistryRouter:
        router = RegistryRouter(database_url, **options)
        routers.append(router)
        return router

    yield start
    for router in routers:
        if not router.server.should_exit:
            router.stop()
