"""Introspection (``__schema``, ``__type``) of the API schema.

Only the introspection root fields are executed with graphql-core (it knows the
introspection types); the rest of the operation goes through the planner. The
split is done once per cached operation: ``split_document`` returns the
introspection-only document and the document for the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    execute,
    visit,
)
from graphql.language import Visitor

from planner import OperationAnalysis
from router.errors import GRAPHQL_VALIDATION_FAILED, graphql_error
from router.response.shaping import INTROSPECTION_FIELDS


def has_introspection(analysis: OperationAnalysis) -> bool:
    """Whether the root selection (fragments expanded) asks ``__schema``/``__type``."""
    return count_introspection_fields(analysis) > 0


def count_introspection_fields(analysis: OperationAnalysis) -> int:
    """How many ``__schema``/``__type`` root fields (fragments expanded) the operation
    asks: each one is a walk of the schema."""
    return sum(
        f.name.value in INTROSPECTION_FIELDS
        for f in _root_fields(analysis.operation.selection_set, analysis.fragments, set())
    )


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> list[FieldNode]:
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_root_fields(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                found.extend(_root_fields(fragments[name].selection_set, fragments, seen))
    return found


def split_document(analysis: OperationAnalysis) -> tuple[DocumentNode, DocumentNode | None]:
    """(introspection-only document, document for the planner or None if nothing left)."""
    operation, fragments = analysis.operation, analysis.fragments
    intro_root = _filter_root(operation.selection_set, fragments, keep_introspection=True)
    rest_root = _filter_root(operation.selection_set, fragments, keep_introspection=False)
    intro_doc = _document_with(operation, fragments, intro_root)
    needs_plan = any(
        f.name.value != "__typename" for f in _root_fields(rest_root, fragments, set())
    )
    return intro_doc, _document_with(operation, fragments, rest_root) if needs_plan else None


def _filter_root(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    keep_introspection: bool,
) -> SelectionSetNode:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if (selection.name.value in INTROSPECTION_FIELDS) == keep_introspection:
                kept.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            inner = _filter_root(selection.selection_set, fragments, keep_introspection)
            if inner.selections:
                kept.append(
                    InlineFragmentNode(
                        type_condition=selection.type_condition,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            inner = _filter_root(fragment.selection_set, fragments, keep_introspection)
            if inner.selections:
                kept.append(
                    InlineFragmentNode(
                        type_condition=fragment.type_condition,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
    return SelectionSetNode(selections=tuple(kept))


def _document_with(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    root: SelectionSetNode,
) -> DocumentNode:
    """The document with only ``operation`` (new root), the fragments it uses, and
    only the variable definitions those still use (unused ones fail validation)."""
    used = _used_fragments(root, fragments)
    kept_fragments = [fragments[name] for name in fragments if name in used]
    variables = _variable_names([root, *(f.selection_set for f in kept_fragments)])
    variables |= _variable_names(list(operation.directives or ()))
    new_operation = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=tuple(
            v for v in operation.variable_definitions or () if v.variable.name.value in variables
        ),
        directives=operation.directives,
        selection_set=root,
    )
    return DocumentNode(definitions=(new_operation, *kept_fragments))


def _variable_names(nodes: list[Any]) -> set[str]:
    names: set[str] = set()

    class _Variables(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    for node in nodes:
        visit(node, _Variables())
    return names


def _used_fragments(root: Any, fragments: Mapping[str, FragmentDefinitionNode]) -> set[str]:
    used: set[str] = set()
    pending = [root]
    while pending:
        for name in _spread_names(pending.pop()):
            if name not in used and name in fragments:
                used.add(name)
                pending.append(fragments[name])
    return used


def _spread_names(node: Any) -> list[str]:
    names: list[str] = []

    class _Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, _Spreads())
    return names


def run_introspection(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute the introspection-only document against the API schema."""
    result = execute(schema, document, variable_values=variables or {})
    if hasattr(result, "__await__"):  # pragma: no cover - no async resolvers here
        raise RuntimeError("introspection must execute synchronously")
    errors = [
        graphql_error(e.message, GRAPHQL_VALIDATION_FAILED, path=list(e.path) if e.path else None)
        for e in result.errors or []
    ]
    return result.data or {}, errors
