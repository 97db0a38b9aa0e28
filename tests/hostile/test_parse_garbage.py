"""Parsing client text leaves no reference cycles (the lexer's doubly linked token
chain is cut), so the cyclic garbage collector never has to walk a document's
tokens: full collections over them stalled the event loop for hundreds of ms."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from router.errors import RequestError
from router.operation.document import parse_document, parse_without_cycles

DOCUMENTS = [
    "{ a b c }",
    "query Q($v: Int = 3) { a(x: $v) { ...F b @include(if: true) } } fragment F on T { c }",
    "# a comment\n{ a } # another\n",
    "{" + " ".join(f"a{i}: topProducts {{ upc name }}" for i in range(900)) + "}",
]
BROKEN = ["{ a ", "{ a(x: ) }", '{ a(x: "unterminated) }', "query { ... }", "{" * 50]


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("text", DOCUMENTS)
def test_a_parsed_document_holds_no_cycles(text: str, collector_paused: None) -> None:
    document = parse_without_cycles(text)
    assert document.loc is not None and document.loc.start_token.prev is None
    del document
    assert gc.collect() == 0


@pytest.mark.parametrize("text", BROKEN)
def test_a_failed_parse_leaves_no_cycles(text: str, collector_paused: None) -> None:
    with pytest.raises(RequestError):
        parse_document(text, max_depth=100, max_aliases=1000)
    assert gc.collect() == 0


def test_error_locations_survive_the_unlinking() -> None:
    with pytest.raises(RequestError) as raised:
        parse_document("{\n  a(x: )\n}", max_depth=10, max_aliases=10)
    assert raised.value.errors[0]["locations"] == [{"line": 2, "column": 8}]
    document = parse_without_cycles("{\n  a\n  b\n}")
    selections = document.definitions[0].selection_set.selections  # type: ignore[attr-defined]
    assert [(s.loc.start_token.line, s.loc.start_token.column) for s in selections] == [
        (2, 3),
        (3, 3),
    ]
