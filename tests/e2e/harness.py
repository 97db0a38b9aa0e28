"""Background servers for end-to-end tests: subgraphs and the router, each on a
loopback port, each in its own thread and event loop so tests can be plain
synchronous functions using an HTTP client."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from router.config.settings import Settings
from tests.e2e.subgraph_server import FaultServer, SubgraphServer, SubgraphSpec
from tests.support import free_port

T = TypeVar("T")


class LoopThread:
    """An asyncio loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


class Subgraphs:
    """A set of running subgraph (and fault) servers, by subgraph name."""

    def __init__(self) -> None:
        self.loop = LoopThread("subgraphs")
        self.servers: dict[str, SubgraphServer | FaultServer] = {}

    def start(self, specs: Iterable[SubgraphSpec]) -> dict[str, str]:
        for spec in specs:
            server = SubgraphServer(spec)
            self.loop.run(server.start())
            self.servers[spec.name] = server
        return self.urls

    def start_fault(self, name: str, mode: str) -> str:
        server = FaultServer(mode)
        url = self.loop.run(server.start())
        self.servers[name] = server
        return url

    @property
    def urls(self) -> dict[str, str]:
        return {name: server.url for name, server in self.servers.items()}

    def requests(self, name: str) -> list[dict[str, Any]]:
        server = self.servers[name]
        assert isinstance(server, SubgraphServer)
        return server.requests

    def stop(self) -> None:
        for server in self.servers.values():
            self.loop.run(server.stop())
        self.loop.stop()


_GRAPH = re.compile(r'(@join__graph\(name:\s*"([^"]+)",\s*url:\s*")([^"]*)(")')


def point_supergraph(sdl: str, urls: dict[str, str]) -> str:
    """The supergraph with each ``@join__graph`` url replaced by our server's."""

    def replace(match: re.Match[str]) -> str:
        url = urls.get(match.group(2), match.group(3))
        return f"{match.group(1)}{url}{match.group(4)}"

    return _GRAPH.sub(replace, sdl)


class RouterThread:
    """The real router app under uvicorn, in a thread, on a free loopback port."""

    def __init__(self, supergraph_file: Path, **settings: Any) -> None:
        from router.app import create_app

        self.port = free_port()
        self.settings = Settings(supergraph=str(supergraph_file), port=self.port, **settings)
        self.app = create_app(self.settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            loop="asyncio",
            lifespan="on",
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.loop = LoopThread("router")
        self.future = asyncio.run_coroutine_threadsafe(self.server.serve(), self.loop.loop)
        deadline = time.monotonic() + 20
        while not self.server.started:
            if self.future.done():
                self.future.result()  # raises the startup error
                raise RuntimeError("router stopped during startup")
            if time.monotonic() > deadline:
                raise TimeoutError("router did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def holder(self) -> Any:
        return self.app.state.holder

    def stop(self) -> None:
        self.server.should_exit = True
        try:
            self.future.result(10)
        finally:
            self.loop.stop()
