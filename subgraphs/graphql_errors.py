"""GraphQL errors with `extensions.code`, shared by the sample subgraphs.

Why: the router and clients branch on `extensions.code`; a user's mistake must read as
`BAD_USER_INPUT` (or a validation code), never as a bare message or a traceback.
Code below the GraphQL layer raises `UserInputError`; `CodedGraphQLRouter` turns it,
and every other uncoded error, into a coded GraphQL error on the way out.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure
from sqlalchemy.exc import InterfaceError, OperationalError
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

BAD_USER_INPUT = "BAD_USER_INPUT"
# The database is down or unreachable: the client may retry; not the caller's fault.
DATABASE_DOWN = (ConnectionFailure, OperationalError, InterfaceError, OSError)
FEDERATION_VERSION = "2.3"


class UserInputError(Exception):
    """Input the caller can fix; `field` names the offending input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _is_user_error(error: GraphQLError) -> bool:
    return isinstance(error.original_error, UserInputError)


def _extensions_for(error: GraphQLError) -> dict[str, Any]:
    """Code for an error: the user's input, bad variables, an invalid document, or a crash."""
    extensions = dict(error.extensions or {})
    if "code" in extensions:
        return extensions
    if isinstance(error.original_error, UserInputError):
        extensions["code"] = BAD_USER_INPUT
        if error.original_error.field:
            extensions["field"] = error.original_error.field
    elif isinstance(error.original_error, DATABASE_DOWN):
        extensions["code"] = "SERVICE_UNAVAILABLE"
    elif error.message.startswith("Variable '$"):
        extensions["code"] = BAD_USER_INPUT
    elif not error.path:
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    else:
        extensions["code"] = "INTERNAL_SERVER_ERROR"
    return extensions


class CodedGraphQLRouter(GraphQLRouter[Any, Any]):
    """Strawberry's FastAPI router, but every error leaves with an `extensions.code`.

    Unexpected exceptions inside resolvers (logged by `SubgraphSchema`) reach the client
    only as "internal error" with code INTERNAL_SERVER_ERROR.
    """

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            errors: list[Any] = []
            for error in result.errors:
                formatted: dict[str, Any] = dict(error.formatted)
                extensions = _extensions_for(error)
                formatted["extensions"] = extensions
                if extensions["code"] == "INTERNAL_SERVER_ERROR":
                    formatted["message"] = "internal error"
                elif isinstance(error.original_error, DATABASE_DOWN):
                    formatted["message"] = "database unavailable; try again later"
                errors.append(formatted)
            response["errors"] = errors
        if result.extensions:
            response["extensions"] = result.extensions
        return response


class SubgraphSchema(Schema):
    """Federation schema that logs only errors nobody expected (no traceback for user input)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        super().__init__(**kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [
            e
            for e in errors
            if e.path and not _is_user_error(e) and "code" not in (e.extensions or {})
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)
