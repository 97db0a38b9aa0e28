"""The planner's validation (planner/validation.py) against graphql-core's ``validate``.

The fast path may only ever skip work: whenever it calls a document valid, graphql-core
must agree, and `validate_operation` must return exactly graphql-core's errors for every
document, valid or not. Checked on every audit operation and on random documents over
every audit supergraph: valid ones, and valid ones broken in one of many ways (one per
validation rule the fast path re-implements)."""

from __future__ import annotations

import json

import pytest
from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Supergraph
from planner.validation import SchemaIndex, is_plainly_valid, validate_operation
from tests.planner.random_operations import _literal, operations
from tests.support import AUDIT_DIR, BENCH_DIR, audit_suites

SUITES = audit_suites()


def _messages(errors: list[object]) -> list[str]:
    return [str(e) for e in errors]


def _agree(schema: GraphQLSchema, index: SchemaIndex, text: str) -> bool:
    """Assert the two validations agree on `text`; return whether the fast path was taken."""
    document = parse(text)
    expected = _messages(validate(schema, document))  # type: ignore[arg-type]
    fast = is_plainly_valid(index, document)
    if fast:
        assert not expected, f"fast path accepted an invalid document: {text}\n{expected}"
    assert _messages(validate_operation(schema, document, index)) == expected, text  # type: ignore[arg-type]
    return fast


def _root_fields(schema: GraphQLSchema) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Leaf root fields without required arguments, and (field, argument, type) triples of
    root fields that take arguments."""
    root = schema.query_type
    assert root is not None
    leaves: list[str] = []
    with_args: list[tuple[str, str, str]] = []
    for name, field in root.fields.items():
        if name.startswith("__"):
            continue
        required = [a for a in field.args.values() if isinstance(a.type, GraphQLNonNull)]
        if is_leaf_type(get_named_type(field.type)) and not required:
            leaves.append(name)
        for arg_name, arg in field.args.items():
            with_args.append((name, arg_name, str(arg.type)))
    return leaves, with_args


def _call(schema: GraphQLSchema, field_name: str, argument: str, value: str) -> str:
    """`field(argument: value, <other required arguments>)` with a selection if needed."""
    root = schema.query_type
    assert isinstance(root, GraphQLObjectType)
    field = root.fields[field_name]
    args = [f"{argument}: {value}"]
    for name, arg in field.args.items():
        if name != argument and isinstance(arg.type, GraphQLNonNull):
            args.append(f"{name}: {_literal(arg.type)}")
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return f"{field_name}({', '.join(args)}){selection}"


KINDS = [
    "as_is",
    "condition_variable",
    "nullable_condition_variable",
    "condition_variable_with_default",
    "undefined_variable",
    "unused_variable",
    "unknown_variable_type",
    "unknown_field",
    "unknown_argument",
    "leaf_with_selection",
    "unknown_directive",
    "repeated_directive",
    "wrong_literal",
    "missing_argument",
    "unknown_fragment",
    "unused_fragment",
    "used_fragment",
    "fragment_cycle",
    "unknown_type_condition",
    "alias_conflict",
    "two_anonymous_operations",
    "argument_variable",
    "argument_variable_of_another_type",
    "duplicate_argument",
]


@st.composite
def documents(draw: st.DrawFn, schema: GraphQLSchema) -> str:
    """A random operation, as is or broken (or extended) in one way."""
    base = draw(operations(schema, depth=2))
    inner = base[1:-1]
    root = schema.query_type
    assert root is not None
    leaves, with_args = _root_fields(schema)
    kind = draw(st.sampled_from(KINDS))
    if kind == "condition_variable":
        return f"query Q($c: Boolean!) {{ __typename @include(if: $c) {inner} }}"
    if kind == "nullable_condition_variable":
        return f"query Q($c: Boolean) {{ __typename @include(if: $c) {inner} }}"
    if kind == "condition_variable_with_default":
        return f"query Q($c: Boolean = true) {{ __typename @skip(if: $c) {inner} }}"
    if kind == "undefined_variable":
        return f"query Q {{ __typename @skip(if: $nope) {inner} }}"
    if kind == "unused_variable":
        return f"query Q($unused: Int) {{ {inner} }}"
    if kind == "unknown_variable_type":
        return f"query Q($v: NoSuchType) {{ __typename @skip(if: $v) {inner} }}"
    if kind == "unknown_field":
        return f"{{ noSuchFieldAnywhere {inner} }}"
    if kind == "unknown_argument":
        return f"{{ __typename(noSuchArgument: 1) {inner} }}"
    if kind == "leaf_with_selection":
        return f"{{ __typename {{ length }} {inner} }}"
    if kind == "unknown_directive":
        return f"{{ __typename @noSuchDirective {inner} }}"
    if kind == "repeated_directive":
        return f"{{ __typename @skip(if: false) @skip(if: false) {inner} }}"
    if kind == "wrong_literal":
        return f'{{ __typename @skip(if: "yes") {inner} }}'
    if kind == "missing_argument":
        return f"{{ __typename @include {inner} }}"
    if kind == "unknown_fragment":
        return f"{{ ...NoSuchFragment {inner} }}"
    if kind == "unused_fragment":
        return f"{base} fragment F on {root.name} {{ __typename }}"
    if kind == "used_fragment":
        return f"{{ ...F {inner} }} fragment F on {root.name} {{ __typename }}"
    if kind == "fragment_cycle":
        return (
            f"{{ ...F {inner} }} fragment F on {root.name} {{ ...G }} "
            f"fragment G on {root.name} {{ __typename ...F }}"
        )
    if kind == "unknown_type_condition":
        return f"{{ ... on NoSuchType {{ __typename }} {inner} }}"
    if kind == "alias_conflict" and leaves:
        leaf = draw(st.sampled_from(leaves))
        return f"{{ {leaf}: __typename {leaf} {inner} }}"
    if kind == "two_anonymous_operations":
        return f"{base} {base}"
    if kind.startswith("argument_variable") and with_args:
        field_name, argument, type_text = draw(st.sampled_from(with_args))
        if kind == "argument_variable_of_another_type":
            type_text = "Int" if "Boolean" in type_text else "Boolean"
        call = _call(schema, field_name, argument, "$v")
        return f"query Q($v: {type_text}) {{ {call} {inner} }}"
    if kind == "duplicate_argument" and with_args:
        field_name, argument, type_text = draw(st.sampled_from(with_args))
        call = _call(schema, field_name, argument, f"null, {argument}: null")
        return f"{{ {call} {inner} }}"
    return base


def _supergraph(suite: str) -> Supergraph:
    return Supergraph.parse((AUDIT_DIR / suite / "supergraph.graphql").read_text())


@pytest.mark.parametrize("suite", SUITES)
def test_random_documents_get_graphql_cores_verdict(suite: str) -> None:
    supergraph = _supergraph(suite)
    schema, index = supergraph.api_schema, supergraph.validation_index

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents(schema))
    def check(text: str) -> None:
        _agree(schema, index, text)

    check()


def test_audit_operations_get_graphql_cores_verdict_mostly_by_the_fast_path() -> None:
    if not SUITES:
        pytest.skip("shared audit data missing")
    valid = fast = 0
    for suite in SUITES:
        tests = AUDIT_DIR / suite / "tests.json"
        if not tests.exists():
            continue
        supergraph = _supergraph(suite)
        schema, index = supergraph.api_schema, supergraph.validation_index
        for case in json.loads(tests.read_text()):
            text = case["query"]
            taken = _agree(schema, index, text)
            if not validate(schema, parse(text)):
                valid += 1
                fast += taken
    # Not a correctness property (the fallback is always right): a guard against the
    # fast path quietly stopping to apply to the operations it was written for.
    assert valid > 100 and fast >= 0.9 * valid, (fast, valid)


def test_the_bench_operation_takes_the_fast_path() -> None:
    if not (BENCH_DIR / "supergraph.graphql").exists():
        pytest.skip("shared bench data missing")
    supergraph = Supergraph.parse((BENCH_DIR / "supergraph.graphql").read_text())
    text = (BENCH_DIR / "query.graphql").read_text()
    assert _agree(supergraph.api_schema, supergraph.validation_index, text)


def test_deep_and_wide_documents_fall_back_to_graphql_core() -> None:
    supergraph = _supergraph(SUITES[0]) if SUITES else None
    if supergraph is None:
        pytest.skip("shared audit data missing")
    schema, index = supergraph.api_schema, supergraph.validation_index
    wide = "{ " + " ".join(f"a{i}: __typename" for i in range(6000)) + " }"
    assert not _agree(schema, index, wide)  # more fields than the merge check visits
    root = schema.query_type
    assert root is not None
    deep = "{ " + f"... on {root.name} {{ " * 150 + "__typename" + " }" * 150 + " }"
    assert not _agree(schema, index, deep)
