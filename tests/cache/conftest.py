"""Fixtures: the cache test subgraphs (module-scoped) and routers over them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.cache.settings import CacheSettings
from router.config.settings import PluginSpec
from tests.cache.subgraphs import specs, write_supergraph
from tests.e2e.harness import RouterThread, Subgraphs
from tests.support import require_server

ADMIN_TOKEN = "test-admin-token"
REDIS_URL = "redis://127.0.0.1:6379/0"
IDENTITY = (PluginSpec("tests.cache.subgraphs:HeaderIdentity"),)


class Router:
    """A running router with an HTTP client and its subgraphs' request logs."""

    def __init__(self, thread: RouterThread, subgraphs: Subgraphs) -> None:
        self.thread = thread
        self.subgraphs = subgraphs
        self.http = httpx.Client(base_url=thread.url, timeout=30)

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post("/graphql", json=body, **kwargs)

    def calls(self, name: str = "catalog") -> int:
        return len(self.subgraphs.requests(name))

    def admin(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(
            f"/admin/api{path}", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )

    def close(self) -> None:
        self.http.close()
        self.thread.stop()


@pytest.fixture(scope="module")
def subgraphs() -> Iterator[Subgraphs]:
    running = Subgraphs()
    running.start(specs())
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def supergraph(subgraphs: Subgraphs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_supergraph(subgraphs.urls, tmp_path_factory.mktemp("cache") / "supergraph.graphql")


@pytest.fixture
def redis_available() -> None:
    require_server("127.0.0.1", 6379, "Redis")


def unique_prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
def start_router(
    subgraphs: Subgraphs, supergraph: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Router]]:
    """``start_router(**settings)``: a router with the identity plugin and the admin token."""
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.delenv("REDIS_URL", raising=False)
    started: list[Router] = []

    def start(**settings: Any) -> Router:
        settings.setdefault("plugins", IDENTITY)
        settings.setdefault("subgraph_headers", "*=x-test-user")
        router = Router(RouterThread(supergraph, **settings), subgraphs)
        started.append(router)
        return router

    try:
        yield start
    finally:
        for router in started:
            router.close()
        assert os.environ.get("GATEWAY_ADMIN_TOKEN") == ADMIN_TOKEN


def cache(**options: Any) -> CacheSettings:
    options.setdefault("enabled", True)
    if options.get("backend") == "redis":
        options.setdefault("redis_url", REDIS_URL)
        options.setdefault("key_prefix", unique_prefix())
    return CacheSettings(**options)
