"""Composition: subgraph SDLs -> Federation 2 supergraph SDL, or errors saying why not.

    from planner.compose import compose, Subgraph
    result = compose([Subgraph("users", "http://users/graphql", sdl), ...])
    if result.errors: ...            # CompositionError(code, message, subgraphs, elements)
    result.supergraph_sdl            # join spec v0.3 supergraph
    result.hints                     # non-fatal CompositionHint

Pure Python (stdlib + graphql-core). See docs/composition.md for the rules implemented.
"""

from .compose import compose
from .model import CompositionError, CompositionHint, CompositionResult, Subgraph

__all__ = ["CompositionError", "CompositionHint", "CompositionResult", "Subgraph", "compose"]
