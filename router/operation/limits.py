"""Document limits: depth, expanded size and alias count, checked before any planning.

Everything here runs on client text before the (recursive-descent) parser or on the
parsed AST before validation, so it is linear in the document and never recurses
on client-controlled depth:

* ``check_lexical_depth`` scans the text once, skipping strings and comments with
  possessive (non-backtracking) patterns, and finds the deepest ``{`` nesting;
  graphql-core's parser would hit Python's recursion limit on a 500-deep document
  before any AST check could run.
* ``check_document`` measures the AST with fragments expanded, iteratively: a
  fragment's measure is computed once (memoised), in dependency order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from planner import OperationAnalysis
from router.errors import (
    GRAPHQL_PARSE_FAILED,
    MAX_ALIASES_EXCEEDED,
    MAX_DEPTH_EXCEEDED,
    MAX_FIELDS_EXCEEDED,
    RequestError,
)

LEXICAL_SLACK = 10
"""Extra ``{`` nesting allowed by the lexical scan (input-object literals nest too)."""
MAX_STRINGS_AND_COMMENTS = 30_000
"""More strings and comments than the parser's token limit: refused before the scan
spends a Python step on each (a string is a token; comments cost the lexer too)."""

_SPECIAL = re.compile(r'["#]')
# The bodies after an opening quote. Possessive loops (``*+``, ``++``) never give back
# what they consumed, so an unterminated string costs one pass, not one per start.
_STRING_REST = re.compile(r'(?:[^"\\\n\r]++|\\.)*+"')
_BLOCK_STRING_REST = re.compile(r'(?:[^"\\]++|\\"""|\\|"(?!""))*+"""')
_BRACES = re.compile(r"[{}]")
_STEP = {"{": 1, "}": -1}


def code_outside_strings(text: str) -> str:
    """``text`` without its strings and comments (an unterminated string ends it).

    Linear: one search per string or comment, each body matched once."""
    parts: list[str] = []
    pos = 0
    count = 0
    while True:
        found = _SPECIAL.search(text, pos)
        if found is None:
            parts.append(text[pos:])
            break
        start = found.start()
        parts.append(text[pos:start])
        count += 1
        if count > MAX_STRINGS_AND_COMMENTS:
            raise RequestError.single(
                400,
                f"The document has more than {MAX_STRINGS_AND_COMMENTS} strings and comments.",
                GRAPHQL_PARSE_FAILED,
            )
        if text[start] == "#":
            end = text.find("\n", start)
            if end < 0:
                break
            pos = end
            continue
        if text.startswith('"""', start):
            body = _BLOCK_STRING_REST.match(text, start + 3)
        else:
            body = _STRING_REST.match(text, start + 1)
        if body is None:
            break  # unterminated: the parser reports it; no brace after it counts
        pos = body.end()
    return "".join(parts)


def deepest_nesting(text: str) -> int:
    """The deepest ``{`` nesting outside strings and comments (C-speed prefix sums)."""
    braces = _BRACES.findall(code_outside_strings(text))
    if not braces:
        return 0
    return max(0, max(accumulate(map(_STEP.__getitem__, braces))))


def check_lexical_depth(text: str, max_depth: int) -> None:
    """Refuse documents whose brace nesting is far beyond ``max_depth``."""
    if text.count("{") <= max_depth:
        return
    if deepest_nesting(text) > max_depth + LEXICAL_SLACK:
        raise depth_error(max_depth)


def depth_error(max_depth: int) -> RequestError:
    return RequestError.single(
        400, f"The query exceeds the maximum depth of {max_depth}.", MAX_DEPTH_EXCEEDED
    )


@dataclass(frozen=True, slots=True)
class Measure:
    """One selection set with fragments expanded."""

    depth: int
    """Deepest field nesting (what ``max_depth`` limits)."""
    size: int
    """Field selections (what ``max_fields`` limits)."""
    nesting: int
    """Deepest nesting of fields, inline fragments and fragment spreads together:
    what a recursive walk (validation, planning, shaping) would recurse through."""


_EMPTY = Measure(0, 0, 0)


def check_document(
    analysis: OperationAnalysis, max_depth: int, max_aliases: int, max_fields: int = 50_000
) -> None:
    """Exact depth and expanded field count (fragments expanded), alias count, and
    the nesting of fragment spreads.

    The expanded count stops "fragment bombs" (each fragment spreading the
    previous one twice) whose size doubles per fragment: validation and planning
    of such a document would run for minutes on a few hundred bytes. The nesting
    limit stops fragment chains (``F0 { ...F1 }``, ``F1 { ...F2 }`` ...) that
    add no field depth but would make later walks recurse thousands deep.
    """
    fragments = analysis.fragments
    memo = measure_fragments(fragments)
    aliases = 0
    for definition in analysis.document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            measure = measure_selection_set(definition.selection_set, memo)
            if measure.depth > max_depth or measure.nesting > max_depth + LEXICAL_SLACK:
                raise depth_error(max_depth)
            if measure.size > max_fields:
                raise RequestError.single(
                    400,
                    f"The query selects {measure.size} fields once fragments are expanded, "
                    f"more than the maximum of {max_fields}.",
                    MAX_FIELDS_EXCEEDED,
                )
        aliases += _count_aliases(getattr(definition, "selection_set", None))
    if aliases > max_aliases:
        raise RequestError.single(
            400,
            f"The query uses {aliases} aliases, more than the maximum of {max_aliases}.",
            MAX_ALIASES_EXCEEDED,
        )


def measure_fragments(fragments: Mapping[str, FragmentDefinitionNode]) -> dict[str, Measure]:
    """Each fragment's ``Measure``, computed in dependency order without recursion.

    A spread that closes a cycle, or names an unknown fragment, measures as empty:
    both are validation errors reported later."""
    memo: dict[str, Measure] = {}
    on_path: set[str] = set()
    for root in fragments:
        if root in memo:
            continue
        # Iterative depth-first post-order over the fragment-spread graph.
        stack: list[tuple[str, list[str]]] = [(root, _spreads(fragments[root].selection_set))]
        on_path.add(root)
        while stack:
            name, pending = stack[-1]
            if pending:
                child = pending.pop()
                if child in memo or child in on_path or child not in fragments:
                    continue
                on_path.add(child)
                stack.append((child, _spreads(fragments[child].selection_set)))
                continue
            stack.pop()
            on_path.discard(name)
            memo[name] = measure_selection_set(fragments[name].selection_set, memo)
    return memo


def measure_selection_set(selection_set: SelectionSetNode, memo: Mapping[str, Measure]) -> Measure:
    """The ``Measure`` of one selection set, given the measures of its fragments
    (a fragment missing from ``memo`` is a cycle or unknown: empty)."""
    depth = size = nesting = 0
    stack: list[tuple[SelectionSetNode, int, int]] = [(selection_set, 0, 0)]
    while stack:
        current, field_depth, level = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                size += 1
                here = field_depth + 1
                depth = max(depth, here)
                nesting = max(nesting, level + 1)
                if selection.selection_set is not None:
                    stack.append((selection.selection_set, here, level + 1))
            elif isinstance(selection, InlineFragmentNode):
                nesting = max(nesting, level + 1)
                stack.append((selection.selection_set, field_depth, level + 1))
            elif isinstance(selection, FragmentSpreadNode):
                inner = memo.get(selection.name.value, _EMPTY)
                size += inner.size
                depth = max(depth, field_depth + inner.depth)
                nesting = max(nesting, level + 1 + inner.nesting)
    return Measure(depth, size, nesting)


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """Names of the fragments spread anywhere inside a selection set (not through
    other fragments)."""
    names: list[str] = []
    stack = [selection_set]
    while stack:
        current = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            else:
                child = getattr(selection, "selection_set", None)
                if child is not None:
                    stack.append(child)
    return names


def _count_aliases(selection_set: SelectionSetNode | None) -> int:
    if selection_set is None:
        return 0
    count = 0
    stack = [selection_set]
    while stack:
        current = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            child = getattr(selection, "selection_set", None)
            if child is not None:
                stack.append(child)
    return count
