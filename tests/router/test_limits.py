"""Document limits: depth (lexical and AST, fragments expanded) and aliases."""

from __future__ import annotations

import pytest

from router.errors import RequestError
from router.operation.document import parse_document


def nested(depth: int) -> str:
    return "{" + "a {" * (depth - 1) + "b" + "}" * depth


def code_of(query: str, max_depth: int = 100, max_aliases: int = 1000) -> str | None:
    try:
        parse_document(query, max_depth, max_aliases)
    except RequestError as exc:
        return str(exc.errors[0]["extensions"]["code"])
    return None


def test_500_deep_query_is_refused_before_parsing() -> None:
    assert code_of(nested(500)) == "MAX_DEPTH_EXCEEDED"


def test_depth_limit_is_exact_on_the_ast() -> None:
    assert code_of(nested(100)) is None
    assert code_of(nested(101)) == "MAX_DEPTH_EXCEEDED"


def test_depth_counts_through_fragments() -> None:
    query = "{ a { ...F } } fragment F on T { b { c { d } } }"
    assert code_of(query, max_depth=4) is None
    assert code_of(query, max_depth=3) == "MAX_DEPTH_EXCEEDED"


def test_braces_in_strings_do_not_count() -> None:
    query = '{ a(s: "' + "{" * 300 + '") }'
    assert code_of(query) is None


def test_alias_limit() -> None:
    query = "{" + " ".join(f"a{i}: f" for i in range(11)) + "}"
    assert code_of(query, max_aliases=10) == "MAX_ALIASES_EXCEEDED"
    assert code_of(query, max_aliases=11) is None


def test_syntax_error_is_a_parse_failure_with_location() -> None:
    with pytest.raises(RequestError) as info:
        parse_document("{ a ", 100, 100)
    error = info.value.errors[0]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["locations"]


def test_fragment_bomb_is_refused_by_expanded_size() -> None:
    lines = ["{ ...F30 }", "fragment F0 on Query { me { id } }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)]
    try:
        parse_document("\n".join(lines), 100, 1000, max_fields=50_000)
    except RequestError as exc:
        assert exc.errors[0]["extensions"]["code"] == "MAX_FIELDS_EXCEEDED"
    else:
        raise AssertionError("a fragment bomb must be refused")


def test_token_limit_stops_huge_documents() -> None:
    assert code_of("{" + " a { b }" * 10_000 + "}") == "GRAPHQL_PARSE_FAILED"
