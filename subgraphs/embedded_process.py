"""Stopping an embedded dev server (MongoDB-compatible, NATS) that this process
started: both write their address to a file other tools read, and both must get a
clean SIGTERM first so they flush their data."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path


def stop_embedded(
    process: subprocess.Popen[bytes], address_file: Path, address: str | None, timeout: float
) -> None:
    """Remove ``address_file`` if it still names ``address``, then SIGTERM the
    server and wait; SIGKILL it if it does not stop within ``timeout``."""
    with contextlib.suppress(FileNotFoundError):
        if address is not None and address_file.read_text().strip() == address:
            address_file.unlink()
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
