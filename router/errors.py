"""Error values the router puts in GraphQL responses, and the error codes it uses.

Every error a client can cause ends up as a GraphQL error object with an
``extensions.code`` so clients can branch on it; nothing user-caused may surface
as a traceback or a 500. The codes are listed in docs/router.md.
"""

from __future__ import annotations

from typing import Any

# Request-level (HTTP) errors.
BAD_REQUEST = "BAD_REQUEST"
INVALID_JSON = "INVALID_JSON"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
# Document errors.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"
MAX_FIELDS_EXCEEDED = "MAX_FIELDS_EXCEEDED"
MAX_INTROSPECTION_FIELDS_EXCEEDED = "MAX_INTROSPECTION_FIELDS_EXCEEDED"
QUERY_PLANNING_FAILED = "QUERY_PLANNING_FAILED"
QUERY_PLANNING_TIMEOUT = "QUERY_PLANNING_TIMEOUT"
"""The document was not parsed, validated and planned within ``max_planning_ms``."""
SCHEMA_NOT_LOADED = "SCHEMA_NOT_LOADED"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
# Execution errors.
SUBGRAPH_REQUEST_FAILED = "SUBGRAPH_REQUEST_FAILED"
DOWNSTREAM_SERVICE_ERROR = "DOWNSTREAM_SERVICE_ERROR"
"""An error a subgraph returned in its response (it answered; the field failed there)."""
SUBGRAPH_TIMEOUT = "SUBGRAPH_TIMEOUT"
SUBGRAPH_INVALID_RESPONSE = "SUBGRAPH_INVALID_RESPONSE"
NON_NULL_VIOLATION = "NON_NULL_VIOLATION"
INVALID_VALUE = "INVALID_VALUE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
# Browser protections.
CSRF_PREVENTION = "CSRF_PREVENTION"
CORS_REQUEST_REJECTED = "CORS_REQUEST_REJECTED"


def graphql_error(
    message: str,
    code: str | None = None,
    path: list[str | int] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """A GraphQL error object as a plain dict (ready for orjson)."""
    error: dict[str, Any] = {"message": message}
    if path is not None:
        error["path"] = path
    ext = dict(extensions)
    if code is not None:
        ext["code"] = code
    if ext:
        error["extensions"] = ext
    return error


class RequestError(Exception):
    """A request the router refuses before execution (status + GraphQL errors)."""

    def __init__(
        self,
        status: int,
        errors: list[dict[str, Any]],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0]["message"] if errors else "request error")
        self.status = status
        self.errors = errors
        self.headers = headers
        """HTTP headers to send with the refusal (``Allow``, ``Retry-After``, ...)."""

    @classmethod
    def single(
        cls, status: int, message: str, code: str, headers: dict[str, str] | None = None
    ) -> RequestError:
        return cls(status, [graphql_error(message, code)], headers)
