"""Parse stage: document text -> checked ``DocumentNode`` and the chosen operation."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
)

from router.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    RequestError,
    graphql_error,
)
from router.operation.limits import check_document, check_lexical_depth, depth_error

MAX_TOKENS = 30_000


def parse_document(
    text: str, max_depth: int, max_aliases: int, max_fields: int = 50_000
) -> DocumentNode:
    """Parse and apply the document limits; raises ``RequestError`` (400) on failure."""
    check_lexical_depth(text, max_depth)
    try:
        document = parse(text, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError as exc:
        raise RequestError(400, [_error_dict(exc, GRAPHQL_PARSE_FAILED)]) from exc
    except RecursionError as exc:
        raise depth_error(max_depth) from exc
    check_document(document, max_depth, max_aliases, max_fields)
    return document


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation to run (GraphQL spec 6.1 GetOperation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        message = (
            "Must provide operation name if query contains multiple operations."
            if operations
            else "The document contains no operation."
        )
        raise RequestError.single(400, message, GRAPHQL_VALIDATION_FAILED)
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise RequestError.single(
        400, f"Unknown operation named '{operation_name}'.", GRAPHQL_VALIDATION_FAILED
    )


def _error_dict(error: GraphQLError, code: str) -> dict[str, object]:
    out = graphql_error(error.message, code)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


def errors_from_graphql(errors: list[GraphQLError], code: str) -> list[dict[str, object]]:
    """graphql-core errors as response error dicts with ``extensions.code``."""
    return [_error_dict(e, code) for e in errors]
