"""Variable coercion (GraphQL spec 6.1.2 CoerceVariableValues) for one request.

Coerced values (defaults applied, input types checked) are what the plan's
``Condition`` nodes, ``@skip``/``@include`` and the subgraph requests see.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_variable_values

from router.errors import BAD_USER_INPUT, RequestError
from router.operation.document import errors_from_graphql


def coerce_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    raw: dict[str, Any] | None,
) -> dict[str, Any]:
    """Coerced variables, or ``RequestError`` (400, ``BAD_USER_INPUT``)."""
    definitions = operation.variable_definitions
    if not definitions:
        return {}
    result = get_variable_values(schema, definitions, raw or {}, max_errors=50)
    if isinstance(result, list):
        raise RequestError(400, errors_from_graphql(result, BAD_USER_INPUT))
    return dict(result.coerced)
