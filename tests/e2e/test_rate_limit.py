"""Rate limiting against real servers: in-process memory, Redis shared by two
router processes, and Redis unreachable (allow or deny)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from router.config.traffic import RateLimitSettings
from router.pipeline.context import ClientIdentity, RequestContext
from router.pipeline.plugin import Plugin
from router.plugins.usage_counters import RedisUsageCounters, minute
from tests.e2e.conftest import Gateway
from tests.e2e.processes import wait_ready
from tests.support import free_port, require_server

SUITE = "simple-requires-provides"
QUERY = {"query": "{ products { upc } }"}
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


class KeyFromHeader(Plugin):
    """Stands in for the auth plugin: ``x-test-key`` becomes an API-key identity."""

    async def on_request(self, ctx: RequestContext) -> None:
        key = ctx.http.headers.get("x-test-key")
        if key:
            ctx.client = ClientIdentity(key, "api_key", claims={"rate_limit": "2/minute"})


def _limited(**options: object) -> RateLimitSettings:
    return RateLimitSettings(enabled=True, **options)  # type: ignore[arg-type]


def test_memory_limit_refuses_with_headers(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, rate_limit=_limited(limit="5/minute", by="header:x-client"))
    client = {"x-client": f"memory-{uuid.uuid4().hex}"}
    statuses = [gw.post(QUERY, headers=client).status_code for _ in range(5)]
    assert statuses == [200] * 5
    refused = gw.post(QUERY, headers=client)
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert refused.headers["ratelimit-limit"] == "5"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-reset"] == refused.headers["retry-after"]
    # Another client has its own count; the refusal was counted in the metrics.
    assert gw.post(QUERY, headers={"x-client": "someone-else"}).status_code == 200
    assert "gateway_rate_limited_requests_total 1.0" in gw.http.get("/metrics").text


def test_burst_limit(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, rate_limit=_limited(limit="100/minute", burst=3, by="ip"))
    statuses = [gw.post(QUERY).status_code for _ in range(6)]
    assert statuses.count(429) >= 1  # six requests well inside one second exceed 3/second
    assert statuses[:3] == [200, 200, 200]


@pytest.fixture
def redis_available() -> None:
    require_server(REDIS_HOST, REDIS_PORT, "Redis")


def _router_process(supergraph: Path, port: int, settings: str) -> subprocess.Popen[bytes]:
    script = (
        "import sys\n"
        "from router.cli import serve\n"
        "from router.config.settings import Settings\n"
        "from router.config.traffic import RateLimitSettings\n"
        f"settings = Settings(supergraph={str(supergraph)!r}, port={port}, log_level='warning',\n"
        f"                    rate_limit=RateLimitSettings({settings}))\n"
        "sys.exit(serve(settings))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.fixture
def two_routers(
    redis_available: None, gateway_factory: Callable[..., Gateway], tmp_path: Path
) -> Iterator[tuple[list[str], str]]:
    """Two router processes over one Redis, 20 requests a minute per client."""
    gw = gateway_factory(SUITE)  # its subgraphs and supergraph file serve both routers
    client = f"shared-{uuid.uuid4().hex}"
    settings = f"enabled=True, limit='20/minute', by='header:x-client', redis_url={REDIS_URL!r}"
    ports = [free_port(), free_port()]
    processes = [_router_process(gw.supergraph, port, settings) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_ready(port, process)
        yield [f"http://127.0.0.1:{port}/graphql" for port in ports], client
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_routers_share_one_redis_count(two_routers: tuple[list[str], str]) -> None:
    urls, client = two_routers

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as http:
            sends = [
                http.post(urls[i % 2], json=QUERY, headers={"x-client": client}) for i in range(40)
            ]
            return [r.status_code for r in await asyncio.gather(*sends)]

    statuses = asyncio.run(burst())
    assert statuses.count(200) == 20
    assert statuses.count(429) == 20


@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_redis_unreachable(gateway_factory: Callable[..., Gateway], policy: str) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    gw = gateway_factory(
        SUITE, rate_limit=_limited(limit="1/minute", redis_url=closed, on_backend_error=policy)
    )
    statuses = [gw.post(QUERY).status_code for _ in range(3)]
    if policy == "allow":
        assert statuses == [200, 200, 200]  # the limit cannot be enforced: let traffic through
    else:
        assert statuses == [503, 503, 503]
        body = gw.post(QUERY).json()
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMIT_UNAVAILABLE"
    metrics = gw.http.get("/metrics").text
    assert "gateway_rate_limit_backend_errors_total" in metrics
    assert "gateway_rate_limit_backend_errors_total 0.0" not in metrics


def test_usage_counted_per_key_per_minute_in_redis(
    redis_available: None, gateway_factory: Callable[..., Gateway]
) -> None:
    from router.config.settings import PluginSpec

    gw = gateway_factory(
        SUITE,
        rate_limit=_limited(limit="1000/minute", by="ip", redis_url=REDIS_URL),
        plugins=(PluginSpec(f"{__name__}:KeyFromHeader"),),
    )
    key = f"usage{uuid.uuid4().hex[:8]}"
    for _ in range(7):
        assert gw.post(QUERY, headers={"x-test-key": key}).status_code == 200

    async def drained() -> list[tuple[int, str, int]]:
        counters = RedisUsageCounters(REDIS_URL)
        try:
            return await counters.drain(before=minute() + 120)
        finally:
            await counters.close()

    rows = [row for row in asyncio.run(drained()) if row[1] == key]
    assert sum(n for _, _, n in rows) == 7
    assert [row for row in asyncio.run(drained()) if row[1] == key] == []  # drained once
