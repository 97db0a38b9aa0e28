"""One analysis of an executable document: the chosen operation and what every later
step asks of it.

Several steps look at the same operation: the router's limits, its introspection
split and its response shaping, and the planner's normalisation. Each used to build
its own fragment map, select the operation again and read ``@skip``/``@include`` its
own way. ``OperationAnalysis`` does that once per document; ``is_included`` is the one
reading of ``@skip``/``@include`` (GraphQL spec 3.13) they all share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from planner.errors import OperationValidationError

CONDITION_DIRECTIVES = ("skip", "include")


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    """A document with its operation chosen, its fragments indexed and its condition
    variables found. Immutable: cache it with the document."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    condition_variables: tuple[str, ...]
    """Variables used as ``if:`` of ``@skip``/``@include`` in the operation or any
    fragment, in order of first use: what a plan or a shaping depends on."""

    @classmethod
    def of(cls, document: DocumentNode, operation_name: str | None = None) -> OperationAnalysis:
        """Analyse ``document``; raises ``OperationValidationError`` when no operation
        can be chosen (GraphQL spec 6.1, GetOperation)."""
        operation = select_operation(document, operation_name)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        roots = [operation.selection_set, *(f.selection_set for f in fragments.values())]
        return cls(document, operation, fragments, _condition_variables(roots))

    @property
    def kind(self) -> str:
        """``query``, ``mutation`` or ``subscription``."""
        return self.operation.operation.value

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name is not None else None

    def condition_values(self, variables: Mapping[str, Any]) -> tuple[tuple[str, bool], ...]:
        """Each condition variable's value for a request (its default when not given,
        ``False`` when it has none): the part of the variables a plan depends on."""
        defaults = {
            d.variable.name.value: d.default_value.value
            for d in self.operation.variable_definitions or ()
            if isinstance(d.default_value, BooleanValueNode)
        }
        return tuple(
            (name, bool(variables.get(name, defaults.get(name, False))))
            for name in self.condition_variables
        )


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation to run (GraphQL spec 6.1 GetOperation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for operation in operations:
            if operation.name is not None and operation.name.value == operation_name:
                return operation
        raise _refusal(f"Unknown operation named '{operation_name}'.")
    if len(operations) == 1:
        return operations[0]
    if not operations:
        raise _refusal("The document contains no operation.")
    raise _refusal("Must provide operation name if query contains multiple operations.")


def _refusal(message: str) -> OperationValidationError:
    return OperationValidationError([GraphQLError(message)])


def is_included(node: Any, variables: Mapping[str, Any]) -> bool:
    """Whether a field, fragment spread or inline fragment is selected: not when
    ``@skip(if: true)``, and not unless ``@include(if: true)`` (spec 3.13).

    ``variables`` maps variable names to values; a variable it lacks counts as
    not true, as graphql-core's executor treats a missing nullable argument."""
    directives = node.directives
    if not directives:
        return True
    for directive in directives:
        name = directive.name.value
        if name not in CONDITION_DIRECTIVES:
            continue
        value = _if_value(directive, variables)
        if name == "skip" and value is True:
            return False
        if name == "include" and value is not True:
            return False
    return True


def _if_value(directive: DirectiveNode, variables: Mapping[str, Any]) -> Any:
    for argument in directive.arguments or ():
        if argument.name.value == "if":
            node = argument.value
            if isinstance(node, VariableNode):
                return variables.get(node.name.value)
            return getattr(node, "value", None)
    return None


def _condition_variables(roots: list[SelectionSetNode]) -> tuple[str, ...]:
    """Variables of ``@skip``/``@include`` under the given selection sets.

    Iterative: the nesting depth is the client's, never Python's stack's."""
    found: dict[str, None] = {}
    stack = [s for root in reversed(roots) for s in reversed(root.selections)]
    while stack:  # pre-order, in document order
        selection = stack.pop()
        for directive in selection.directives or ():
            if directive.name.value in CONDITION_DIRECTIVES:
                for argument in directive.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        found.setdefault(argument.value.name.value, None)
        child = getattr(selection, "selection_set", None)
        if child is not None:
            stack.extend(reversed(child.selections))
    return tuple(found)
