"""Parse stage: document text -> checked ``OperationAnalysis`` (the parsed document,
its chosen operation, fragments and condition variables)."""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, Lexer, Source, Token
from graphql.language.parser import Parser

from planner import OperationAnalysis, OperationValidationError
from router.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    RequestError,
    graphql_error,
)
from router.operation.limits import check_document, check_lexical_depth, depth_error

MAX_TOKENS = 30_000


def parse_document(
    text: str,
    max_depth: int,
    max_aliases: int,
    max_fields: int = 50_000,
    operation_name: str | None = None,
) -> OperationAnalysis:
    """Parse, choose the operation, apply the document limits; raises ``RequestError``
    (400) on failure. The lexical depth check runs before the parser recurses."""
    check_lexical_depth(text, max_depth)
    try:
        document = parse_without_cycles(text)
    except GraphQLSyntaxError as exc:
        raise RequestError(400, [_error_dict(exc, GRAPHQL_PARSE_FAILED)]) from exc
    except RecursionError as exc:
        raise depth_error(max_depth) from exc
    analysis = analyse(document, operation_name)
    check_document(analysis, max_depth, max_aliases, max_fields)
    return analysis


def parse_without_cycles(text: str) -> DocumentNode:
    """graphql-core's parse, leaving no reference cycles behind.

    The lexer links its tokens both ways (``prev``/``next``), so every parse, valid
    or not, leaves one reference cycle holding all its tokens: tens of thousands of
    objects for a large document that only the cyclic collector can free, and a
    cached document's nodes keep the whole chain alive (their ``loc`` points at
    tokens). The collector then walks them all in full collections, holding the
    GIL: measured 100-900 ms event-loop stalls under hostile load. Unlinking the
    chain after the parse lets reference counting free the tokens at once; the
    nodes keep only their own start and end tokens, which is all error locations
    need (line and column live on the token)."""
    lexer = Lexer(Source(text))
    try:
        return Parser(text, max_tokens=MAX_TOKENS, lexer=lexer).parse_document()
    finally:
        _unlink_tokens(lexer)


def _unlink_tokens(lexer: Lexer) -> None:
    token: Token | None = lexer.token  # the last token read; the chain runs back to <SOF>
    while token is not None:
        previous = token.prev
        token.prev = token.next = None
        token = previous


def analyse(document: DocumentNode, operation_name: str | None) -> OperationAnalysis:
    """The document's chosen operation, fragments and condition variables, once
    (``planner.OperationAnalysis``); refusals are 400 ``GRAPHQL_VALIDATION_FAILED``."""
    try:
        return OperationAnalysis.of(document, operation_name)
    except OperationValidationError as exc:
        raise RequestError.single(400, exc.errors[0].message, GRAPHQL_VALIDATION_FAILED) from exc


def _error_dict(error: GraphQLError, code: str) -> dict[str, object]:
    out = graphql_error(error.message, code)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


def errors_from_graphql(errors: list[GraphQLError], code: str) -> list[dict[str, object]]:
    """graphql-core errors as response error dicts with ``extensions.code``."""
    return [_error_dict(e, code) for e in errors]
