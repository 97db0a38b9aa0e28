"""Fixtures: audit-suite subgraphs behind the real router, all on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.harness import RouterThread, Subgraphs, point_supergraph
from tests.e2e.suites import SUITES, audit_supergraph
from tests.support import require_shared_data


class Gateway:
    """A running router over running subgraphs, with a small HTTP client."""

    def __init__(self, router: RouterThread, subgraphs: Subgraphs, supergraph: Path) -> None:
        self.router = router
        self.subgraphs = subgraphs
        self.supergraph = supergraph
        self.http = httpx.Client(base_url=router.url, timeout=30)

    def query(
        self, query: str, variables: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        response = self.post({"query": query, "variables": variables, **extra})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, body: Any, **kwargs: Any) -> httpx.Response:
        return self.http.post("/graphql", json=body, **kwargs)

    def close(self) -> None:
        self.http.close()
        self.router.stop()
        self.subgraphs.stop()


def start_gateway(
    tmp_dir: Path,
    suite: str,
    overrides: dict[str, str] | None = None,
    faults: dict[str, str] | None = None,
    delays: dict[str, float] | None = None,
    **settings: Any,
) -> Gateway:
    """Subgraphs of ``suite`` (some replaced by fault servers) behind a router."""
    require_shared_data()
    subgraphs = Subgraphs()
    try:
        specs = [s for s in SUITES[suite]() if s.name not in (faults or {})]
        for spec in specs:
            spec.delay = (delays or {}).get(spec.name, 0.0)
        subgraphs.start(specs)
        for name, mode in (faults or {}).items():
            subgraphs.start_fault(name, mode)
        urls = {**subgraphs.urls, **(overrides or {})}
        supergraph = tmp_dir / f"{suite}.graphql"
        supergraph.write_text(point_supergraph(audit_supergraph(suite), urls))
        router = RouterThread(supergraph, **settings)
    except BaseException:
        subgraphs.stop()
        raise
    return Gateway(router, subgraphs, supergraph)


@pytest.fixture(scope="module")
def gateway_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Gateway]]:
    started: list[Gateway] = []

    def factory(suite: str, **kwargs: Any) -> Gateway:
        gateway = start_gateway(tmp_path_factory.mktemp(suite), suite, **kwargs)
        started.append(gateway)
        return gateway

    try:
        yield factory
    finally:
        for gateway in started:
            gateway.close()
