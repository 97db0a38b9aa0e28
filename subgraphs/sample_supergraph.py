"""``python -m subgraphs.sample_supergraph``: the sample graph's supergraph on stdout.

Composed in-process from the records and categories schemas (their ``_service { sdl }``,
what a running service answers), with the URLs ``make run`` serves them on. No
database, no network: it is how ``examples/supergraph.graphql`` — the file the README's
commands use from a fresh clone — is made, and how a test checks it is current.
"""

from __future__ import annotations

import asyncio
import sys

from planner.compose import Subgraph, compose
from subgraphs.categories.schema import schema as categories_schema
from subgraphs.records.schema import schema as records_schema

URLS = {
    "categories": "http://127.0.0.1:8081/graphql",
    "records": "http://127.0.0.1:8080/graphql",
}
"""Where ``make run`` serves the two subgraphs."""


async def _sdl(schema: object) -> str:
    result = await schema.execute("{ _service { sdl } }")  # type: ignore[attr-defined]
    if result.errors:
        raise RuntimeError(f"cannot read the SDL: {result.errors}")
    return str(result.data["_service"]["sdl"])


def sample_supergraph() -> str:
    """The supergraph SDL of the sample graph (raises ``RuntimeError`` if it does not compose)."""
    sdls = {
        "categories": asyncio.run(_sdl(categories_schema)),
        "records": asyncio.run(_sdl(records_schema)),
    }
    result = compose([Subgraph(name, URLS[name], sdls[name]) for name in sorted(URLS)])
    if result.errors or not result.supergraph_sdl:
        detail = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        raise RuntimeError(f"composition failed: {detail}")
    return result.supergraph_sdl


def main() -> int:
    sys.stdout.write(sample_supergraph())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
