"""Plugins the end-to-end tests load by name, as an operator's router.yaml would."""

from __future__ import annotations

import time
from pathlib import Path

from router.pipeline.plugin import Plugin


class StopRecorder(Plugin):
    """Writes the time its ``stop`` hook ran, to show it runs after in-flight requests."""

    name = "stop-recorder"

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    async def stop(self) -> None:
        self.path.write_text(repr(time.time()))
