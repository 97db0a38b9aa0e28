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
