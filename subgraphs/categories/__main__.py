"""`python -m subgraphs.categories`: serve the categories subgraph on HOST:PORT."""

from __future__ import annotations

import uvicorn

from subgraphs.categories.app import create_app
from subgraphs.categories.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
