"""Hypothesis strategies for decoded JSON as subgraphs send it, well-formed or not:
nested objects and lists over a few keys, so that paths and type conditions written
over the same keys find something."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def json_trees(
    keys: list[str], scalars: st.SearchStrategy[Any], max_keys: int = 3, max_leaves: int = 30
) -> st.SearchStrategy[Any]:
    """Scalars, lists and objects with keys from ``keys``, nested at random."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(keys), inner, max_size=max_keys),
        ),
        max_leaves=max_leaves,
    )
