"""Finding 7: in ``make run`` a crashed child is restarted with backoff and logged,
and the others keep running (real processes, the devstack's own ``supervise``)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from subgraphs.devstack import Backoff, Child, supervise


async def test_a_crashing_child_is_restarted_with_backoff_and_the_others_keep_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crashing = Child(
        "records", [sys.executable, "-c", "raise SystemExit(3)"], {}, tmp_path / "r.log"
    )
    steady = Child(
        "router", [sys.executable, "-c", "import time; time.sleep(60)"], {}, tmp_path / "s.log"
    )
    steady_pid = steady.process.pid
    stop = asyncio.Event()
    task = asyncio.create_task(
        supervise([crashing, steady], stop, backoff=Backoff(first=0.2, longest=0.8), poll=0.05)
    )
    await asyncio.sleep(3.0)
    stop.set()
    await task
    for child in (crashing, steady):
        child.stop(timeout=5)
    out, err = capsys.readouterr()
    delays = [
        float(d) for d in re.findall(r"records exited with code 3; restarting in ([\d.]+)s", err)
    ]
    assert delays[:4] == [0.2, 0.4, 0.8, 0.8]  # doubling, capped
    assert out.count("records restarted") >= 3
    assert "router" not in err and steady.process.pid == steady_pid


async def test_a_dead_child_leaves_what_happened_in_its_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 9 of issue 16: the log of a crashed child held only its start-up lines.
    Now its output arrives unbuffered, a traceback is there, and the supervisor
    appends how it ended, a SIGKILL included (which leaves no trace of its own)."""
    crashing = Child(
        "router",
        [
            sys.executable,
            "-c",
            "import sys; sys.stdout.write('half a line without newline'); "
            "raise RuntimeError('the registry exploded')",
        ],
        {},
        tmp_path / "router.log",
    )
    killed = Child(
        "records",
        [
            sys.executable,
            "-c",
            "import os, signal, sys; sys.stdout.write('serving'); "
            "os.kill(os.getpid(), signal.SIGKILL)",
        ],
        {},
        tmp_path / "records.log",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(
        supervise([crashing, killed], stop, backoff=Backoff(first=30, longest=30), poll=0.05)
    )
    for _ in range(200):  # until both exits are noted (the restart is 30 s away)
        if "devstack" in crashing.log.read_text() and "devstack" in killed.log.read_text():
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    router_log = crashing.log.read_text()
    assert "half a line without newline" in router_log
    assert "Traceback" in router_log and "RuntimeError: the registry exploded" in router_log
    assert re.search(r"--- devstack .*: router \(pid \d+\) exited with code 1$", router_log, re.M)
    records_log = killed.log.read_text()
    assert "serving" in records_log  # unbuffered: written before the kill
    assert re.search(r"records \(pid \d+\) was killed by SIGKILL$", records_log, re.M)
    err = capsys.readouterr().err
    assert "router exited with code 1; restarting in 30s" in err
    assert "RuntimeError: the registry exploded" in err  # its last words, on the terminal
    assert "records was killed by SIGKILL; restarting in 30s" in err
