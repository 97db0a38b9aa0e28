"""`python -m subgraphs.categories`: serve the categories subgraph on HOST:PORT."""

from __future__ import annotations

import os

import uvicorn

from router.telemetry.logs import configure_logging
from subgraphs.categories.app import create_app
from subgraphs.categories.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    configure_logging(os.environ.get("LOG_LEVEL", "info"))
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
