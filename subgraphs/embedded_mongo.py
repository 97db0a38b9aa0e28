"""Start the embedded MongoDB-wire server (SecantusDB) as a separate process.

Why: `make run` and the test suite must work with nothing installed. SecantusDB speaks
the MongoDB wire protocol over WiredTiger; we only ever run it as its own process (it is
GPL-2.0, and WiredTiger locks its data directory so exactly one server may open it).

Because of that lock, a second process that wants "the embedded server for ./data/mongo"
must reuse the one already running instead of starting another. The owner writes the
server's URI to ``<data_dir>.uri``; `connect_or_start` reads it and checks it answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from subgraphs.embedded_process import stop_embedded


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started (message says why and what to do)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(uri: str, timeout_ms: int = 1000) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


class EmbeddedMongo:
    """One SecantusDB server process over one data directory, on a loopback port."""

    def __init__(self, data_dir: str | Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.uri: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._uri_file = self.data_dir.with_name(self.data_dir.name + ".uri")
        self._log_file = self.data_dir.with_name(self.data_dir.name + ".log")

    @property
    def owns_process(self) -> bool:
        """True when this object started the server (and so must stop it)."""
        return self._process is not None

    def exited(self) -> bool:
        """True when the server this object started has died."""
        return self._process is not None and self._process.poll() is not None

    def restart(self, timeout: float = 20.0) -> str:
        """Start the server again on the same port (its clients keep their URI)."""
        if self.uri and self.port is None:
            self.port = int(self.uri.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self._process = None
        return self.start(timeout)

    def connect_or_start(self, timeout: float = 20.0) -> str:
        """Reuse a live server already serving this data directory, else start one."""
        if self._uri_file.exists():
            uri = self._uri_file.read_text().strip()
            if uri and _answers(uri):
                self.uri = uri
                return uri
        return self.start(timeout)

    def start(self, timeout: float = 20.0) -> str:
        """Start the server and wait until it answers `ping`; returns its URI."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        port = self.port or _free_port()
        command = [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(self.data_dir),
            "--log-level",
            "WARNING",
        ]
        log = self._log_file.open("ab")
        # Own process group: Ctrl-C in a terminal reaches the parent, which stops us
        # in order (after the services that use the database).
        self._process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir.parent,
            start_new_session=True,
        )
        log.close()
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise EmbeddedMongoError(
                    f"embedded MongoDB exited at start (is {self.data_dir} in use by another "
                    f"server? set MONGODB_URI to use it); see {self._log_file}"
                )
            if _answers(uri, timeout_ms=300):
                self.uri = uri
                self._uri_file.write_text(uri + "\n")
                return uri
            time.sleep(0.1)
        self.stop()
        raise EmbeddedMongoError(f"embedded MongoDB did not answer within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if we started it (SIGTERM, then SIGKILL)."""
        process, self._process = self._process, None
        if process is None:
            return
        stop_embedded(process, self._uri_file, self.uri, timeout)

    def __enter__(self) -> EmbeddedMongo:
        self.connect_or_start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def default_data_dir() -> Path:
    """Where the embedded server keeps its data unless MONGODB_DATA_DIR says otherwise."""
    return Path(os.environ.get("MONGODB_DATA_DIR", "data/mongo"))
