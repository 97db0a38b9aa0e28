"""Merging descriptions and the directives that survive into the supergraph.

Per the federation composition rules: an element is ``@inaccessible`` in the supergraph
when any subgraph marks it so; ``@tag`` applications are unioned; ``@deprecated`` is
kept when any subgraph deprecates the element; descriptions that differ are merged to
the most common one (with an ``INCONSISTENT_DESCRIPTION`` hint); directives listed in
``@composeDirective`` are carried over as written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from graphql import print_ast

from .merged import MergedApplied
from .model import ErrorCollector
from .subgraph import Applied, combine_scopes


def merge_description(
    descriptions: Sequence[str | None],
    names: Sequence[str],
    element: str,
    collector: ErrorCollector,
) -> str | None:
    present = [(d, n) for d, n in zip(descriptions, names, strict=True) if d is not None]
    if not present:
        return None
    distinct = Counter(d.strip() for d, _ in present)
    if len(distinct) == 1:
        return present[0][0]
    best = max(distinct.items(), key=lambda item: item[1])[0]
    collector.hint(
        "INCONSISTENT_DESCRIPTION",
        f'Element "{element}" has inconsistent descriptions across subgraphs; the most '
        "common one is used.",
        [n for _, n in present],
        [element],
    )
    return next(d for d, _ in present if d.strip() == best)


def merge_applied(applied: Sequence[Applied | None], composed: set[str]) -> MergedApplied:
    result = MergedApplied()
    seen_composed: set[str] = set()
    for item in applied:
        if item is None:
            continue
        result.inaccessible |= item.inaccessible
        for tag in item.tags:
            if tag not in result.tags:
                result.tags.append(tag)
        if item.deprecated and not result.deprecated:
            result.deprecated = True
            result.deprecation_reason = item.deprecation_reason
        result.specified_by = result.specified_by or item.specified_by
        result.authenticated |= item.authenticated
        result.requires_scopes = combine_scopes(result.requires_scopes, item.requires_scopes)
        for directive in item.composed:
            if directive.name.value not in composed:
                continue
            printed = print_ast(directive)
            if printed not in seen_composed:
                seen_composed.add(printed)
                result.composed.append(directive)
    return result
