"""Huge operations for ``make bench-planner``: what planning costs when an operation is
far larger than any real client's (the planning-time budget's reason to exist).

All are valid against the bench supergraph (users, products, reviews), so every planner
can plan them:

* ``wide``: 1,250 aliased root-and-nested fields (250 aliases of `topProducts` with
  their product fields, reviews and authors);
* ``deep_fragments``: 40 named fragments, each spreading the next one level deeper
  (reviews -> product -> reviews -> author -> ...);
* ``conditions``: 600 fields under ``@skip``/``@include`` on four variables and on
  literals (the planner branches on the variables with ``Condition`` nodes).
"""

from __future__ import annotations

_PRODUCT = "upc name price weight inStock shippingEstimate"


def wide(aliases: int = 250) -> str:
    parts = [
        f"p{i}: topProducts(first: {i % 7 + 1}) {{ {_PRODUCT} reviews {{ id body author {{ id name }} }} }}"
        for i in range(aliases)
    ]
    return "query Wide { " + " ".join(parts) + " }"


def deep_fragments(levels: int = 40) -> str:
    fragments = []
    for i in range(levels):
        following = f"...F{i + 1}" if i + 1 < levels else "id"
        if i % 2 == 0:
            fragments.append(
                f"fragment F{i} on Review {{ id body product {{ upc name reviews {{ {following} }} }} }}"
            )
        else:
            fragments.append(
                f"fragment F{i} on Review {{ id author {{ id username reviews {{ {following} }} }} }}"
            )
    return "query DeepFragments { topProducts { reviews { ...F0 } } } " + " ".join(fragments)


def conditions(fields: int = 100) -> str:
    variables = "$a: Boolean!, $b: Boolean!, $c: Boolean = true, $d: Boolean = false"
    parts = []
    for i in range(fields):
        variable = "abcd"[i % 4]
        directive = "skip" if i % 3 else "include"
        literal = "true" if i % 2 else "false"
        parts.append(
            f"t{i}: topProducts {{ upc @{directive}(if: ${variable}) "
            f"name @include(if: {literal}) "
            f"reviews @skip(if: ${'abcd'[(i + 1) % 4]}) {{ id author {{ name }} }} "
            f"price @include(if: ${'abcd'[(i + 2) % 4]}) weight inStock }}"
        )
    return f"query Conditions({variables}) {{ " + " ".join(parts) + " }"


def operations() -> dict[str, str]:
    return {"wide": wide(), "deep_fragments": deep_fragments(), "conditions": conditions()}


def field_count(query: str) -> int:
    """Field selections in the text (fragments not expanded): a size indication only."""
    import re

    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query)
    keywords = {"query", "fragment", "on", "true", "false", "if", "first", "Boolean"}
    return sum(1 for n in names if n not in keywords and not n.startswith(("F", "p", "t")))
