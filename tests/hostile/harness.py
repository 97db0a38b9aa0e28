"""The real router app in-process (ASGI), over an audit supergraph whose subgraphs are
not running: requests exercise every stage up to the subgraph fetch, which fails
fast and coded (connection refused)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from router.app import create_app
from router.config.settings import Settings
from router.ops import reload
from tests.support import AUDIT_DIR, free_port, require_shared_data

CORPUS = Path(__file__).parent / "corpus"
"""One file per finding: hostile documents, kept and replayed by ``test_corpus``."""


def supergraph_file() -> Path:
    require_shared_data()
    return AUDIT_DIR / "simple-requires-provides" / "supergraph.graphql"


def unreachable_supergraph(tmp: Path) -> Path:
    """The audit supergraph with every subgraph URL pointing at a closed port."""
    text = supergraph_file().read_text()
    dead = f"http://127.0.0.1:{free_port()}/graphql"
    path = tmp / "supergraph.graphql"
    path.write_text(
        re.sub(r'(@join__graph\(name:\s*"[^"]+",\s*url:\s*")[^"]*"', rf'\g<1>{dead}"', text)
    )
    return path


@contextlib.asynccontextmanager
async def router_client(supergraph: Path, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to a freshly built router app (state loaded)."""
    app = create_app(Settings(supergraph=str(supergraph), reload=False, **settings))
    reload.load_initial(str(supergraph), app.state.settings, app.state.client, app.state.holder)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        client.app = app  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            await app.state.client.close()


def rss_bytes() -> int:
    """This process's resident set size."""
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def coded(body: dict[str, Any]) -> list[str]:
    return [str(e.get("extensions", {}).get("code")) for e in body.get("errors", [])]
