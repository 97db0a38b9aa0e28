"""Document limits: depth, expanded size and alias count, checked before any planning.

The depth check runs twice: a lexical scan of ``{`` nesting before parsing
(graphql-core's recursive-descent parser would hit Python's recursion limit on a
500-deep document before any AST check could run), then an exact check on the
AST with fragments expanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
    MAX_ALIASES_EXCEEDED,
    MAX_DEPTH_EXCEEDED,
    MAX_FIELDS_EXCEEDED,
    RequestError,
)

_STRINGS_AND_COMMENTS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_BRACES = re.compile(r"[{}]")
LEXICAL_SLACK = 10
"""Extra ``{`` nesting allowed by the lexical scan (input-object literals nest too)."""


def check_lexical_depth(text: str, max_depth: int) -> None:
    """Refuse documents whose brace nesting is far beyond ``max_depth``."""
    if text.count("{") <= max_depth:
        return
    depth = deepest = 0
    for brace in _BRACES.findall(_STRINGS_AND_COMMENTS.sub("", text)):
        if brace == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    if deepest > max_depth + LEXICAL_SLACK:
        raise depth_error(max_depth)


def depth_error(max_depth: int) -> RequestError:
    return RequestError.single(
        400, f"The query exceeds the maximum depth of {max_depth}.", MAX_DEPTH_EXCEEDED
    )


def check_document(
    analysis: OperationAnalysis, max_depth: int, max_aliases: int, max_fields: int = 50_000
) -> None:
    """Exact depth and expanded field count (fragments expanded), and alias count.

    The expanded count stops "fragment bombs" (each fragment spreading the
    previous one twice) whose size doubles per fragment: validation and planning
    of such a document would run for minutes on a few hundred bytes.
    """
    fragments = analysis.fragments
    memo: dict[str, tuple[int, int]] = {}
    aliases = 0
    for definition in analysis.document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            depth, size = _measure(definition.selection_set, fragments, memo, set())
            if depth > max_depth:
                raise depth_error(max_depth)
            if size > max_fields:
                raise RequestError.single(
                    400,
                    f"The query selects {size} fields once fragments are expanded, "
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


def _measure(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    memo: dict[str, tuple[int, int]],
    active: set[str],
) -> tuple[int, int]:
    """(depth, number of field selections) with fragments expanded; memoised per fragment."""
    if selection_set is None:
        return 0, 0
    deepest = 0
    size = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            depth, inner = _measure(selection.selection_set, fragments, memo, active)
            depth += 1
            inner += 1
        elif isinstance(selection, InlineFragmentNode):
            depth, inner = _measure(selection.selection_set, fragments, memo, active)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in memo:
                depth, inner = memo[name]
            elif name in active or name not in fragments:
                depth, inner = 0, 0  # cycles and unknown fragments are validation errors
            else:
                active.add(name)
                depth, inner = _measure(fragments[name].selection_set, fragments, memo, active)
                active.discard(name)
                memo[name] = (depth, inner)
        else:
            depth, inner = 0, 0
        deepest = max(deepest, depth)
        size += inner
    return deepest, size


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
