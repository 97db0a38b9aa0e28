"""Child processes of the bench: start (optionally pinned to CPUs), wait for a port,
read CPU time and peak RSS from /proc, stop by process group.

The gateway under test runs alone on one core (``taskset -c 0``); the load generator
and the subgraphs share the other one, so a gateway's numbers are its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GATEWAY_CPUS = os.environ.get("BENCH_GATEWAY_CPUS", "0")
LOAD_CPUS = os.environ.get("BENCH_LOAD_CPUS", "1" if (os.cpu_count() or 1) > 1 else "0")


class BenchError(RuntimeError):
    """A bench step could not run (a child died, a port never opened, bad output)."""


def pinned(command: Sequence[str], cpus: str | None) -> list[str]:
    """``command`` under ``taskset -c cpus`` when taskset exists and cpus is set."""
    if cpus and shutil.which("taskset"):
        return ["taskset", "-c", cpus, *command]
    return list(command)


@dataclass
class Usage:
    """CPU seconds (user + system) and peak resident memory of a process tree."""

    cpu_seconds: float
    peak_rss_mb: float


class Child:
    """One started process; its log goes to a file in the results directory."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log: Path,
        cpus: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                pinned(command, cpus),
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_port(self, port: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise BenchError(f"{self.name} exited at start:\n{tail}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                return
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not open port {port} within {timeout:g}s")

    def usage(self) -> Usage:
        """CPU time and peak RSS summed over the process and its descendants."""
        cpu = 0.0
        rss_kb = 0
        for pid in _tree(self.pid):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        rss_kb += int(line.split()[1])
        return Usage(cpu, rss_kb / 1024)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (taskset execs in place, uv/npm wrappers fork)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def core_times(cpus: str) -> tuple[float, float]:
    """(busy, total) jiffies of the listed CPUs ("0", "1", "0,1") from /proc/stat."""
    wanted = {f"cpu{c.strip()}" for c in cpus.split(",") if c.strip()}
    busy = total = 0.0
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0.0, 0.0
    for line in lines:
        name, *values = line.split()
        if name in wanted:
            numbers = [float(v) for v in values[:8]]
            idle = numbers[3] + numbers[4]  # idle + iowait
            total += sum(numbers)
            busy += sum(numbers) - idle
    return busy, total


def busy_pct(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Share of time the CPUs were busy (anyone's work) between two core_times()."""
    total = after[1] - before[1]
    return 100 * (after[0] - before[0]) / total if total > 0 else 0.0


@contextlib.contextmanager
def running(children: list[Child]) -> Iterator[list[Child]]:
    """Stop every child on the way out, last started first."""
    try:
        yield children
    finally:
        for child in reversed(children):
            child.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
