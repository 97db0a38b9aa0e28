"""Each composition error code, from a minimal broken set of subgraphs: the exact code,
the subgraph(s) and the element reported, and no supergraph. Bad input (garbage SDL,
no subgraphs, duplicate names) gives an error, never an exception."""

from __future__ import annotations

import pytest

from planner.compose import CompositionError, Subgraph, compose

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override"])\n'
)


def sub(name: str, sdl: str, fed2: bool = True) -> Subgraph:
    return Subgraph(name, f"http://{name}.example/graphql", (FED2 if fed2 else "") + sdl)


def only_error(subgraphs: list[Subgraph]) -> CompositionError:
    result = compose(subgraphs)
    assert result.supergraph_sdl is None
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


def test_invalid_field_sharing() -> None:
    error = only_error(
        [
            sub(
                "a", 'type Query { a: User } type User @key(fields: "id") { id: ID! name: String }'
            ),
            sub(
                "b",
                'type Query { b: User } type User @key(fields: "id") { id: ID! name: String @shareable }',
            ),
        ]
    )
    assert error.code == "INVALID_FIELD_SHARING"
    assert error.elements == ("User.name",)
    assert error.subgraphs == ("a", "b")
    assert 'non-shareable in subgraph "a"' in error.message


def test_field_type_mismatch() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") { id: ID! age: Int @shareable }',
            ),
            sub(
                "b",
                'type Query { b: User } type User @key(fields: "id") { id: ID! age: String @shareable }',
            ),
        ]
    )
    assert error.code == "FIELD_TYPE_MISMATCH"
    assert error.elements == ("User.age",)
    assert set(error.subgraphs) == {"a", "b"}


def test_compatible_types_merge_to_the_more_general_one() -> None:
    result = compose(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") { id: ID! age: Int! @shareable }',
            ),
            sub(
                "b",
                'type Query { b: User } type User @key(fields: "id") { id: ID! age: Int @shareable }',
            ),
        ]
    )
    assert not result.errors
    assert result.supergraph_sdl is not None
    assert 'age: Int @join__field(graph: A, type: "Int!") @join__field(graph: B, type: "Int")' in (
        result.supergraph_sdl
    )
    assert [h.code for h in result.hints] == ["INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"]


def test_external_missing_on_base() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") '
                '{ id: ID! name: String @external greeting: String @requires(fields: "name") }',
            ),
            sub("b", 'type Query { b: User } type User @key(fields: "id") { id: ID! }'),
        ]
    )
    assert error.code == "EXTERNAL_MISSING_ON_BASE"
    assert error.elements == ("User.name",)
    assert error.subgraphs == ("a",)


def test_key_fields_select_invalid_type() -> None:
    error = only_error(
        [
            sub(
                "a",
                "type Query { a: User } interface Node { id: ID! } "
                'type User @key(fields: "node { id }") { node: Node }',
            )
        ]
    )
    assert error.code == "KEY_FIELDS_SELECT_INVALID_TYPE"
    assert error.elements == ("User.node",)
    assert error.subgraphs == ("a",)


def test_key_on_unknown_field() -> None:
    error = only_error(
        [sub("a", 'type Query { a: User } type User @key(fields: "uid") { id: ID! }')]
    )
    assert error.code == "KEY_INVALID_FIELDS"
    assert error.elements == ("User",)


def test_satisfiability_error_names_an_example_path() -> None:
    # User has no key: its field `name` in b can never be reached from a's `Query.me`.
    error = only_error(
        [
            sub("a", "type Query { me: User } type User @shareable { id: ID! }"),
            sub("b", "type User @shareable { id: ID! name: String }"),
        ]
    )
    assert error.code == "SATISFIABILITY_ERROR"
    assert error.elements == ("User.name",)
    assert error.subgraphs == ("a",)
    assert "{\n  me {\n    name\n  }\n}" in error.message
    assert 'cannot find field "User.name"' in error.message


def test_satisfiability_external_key_cannot_be_sent() -> None:
    # `price` marks the key field external without extending the type: it cannot send it.
    result = compose(
        [
            sub(
                "price",
                'type Query { cheapest: Product } type Product @key(fields: "id") '
                "{ id: ID! @external price: Float }",
            ),
            sub(
                "product",
                'type Query { products: [Product] } type Product @key(fields: "id") '
                "{ id: ID! name: String }",
            ),
        ]
    )
    assert result.supergraph_sdl is None
    assert {e.code for e in result.errors} == {"SATISFIABILITY_ERROR"}
    assert {e.elements for e in result.errors} == {("Product.id",), ("Product.name",)}


def test_satisfiability_through_key_jump_is_fine() -> None:
    result = compose(
        [
            sub("a", 'type Query { me: User } type User @key(fields: "id") { id: ID! }'),
            sub("b", 'type User @key(fields: "id") { id: ID! name: String }'),
        ]
    )
    assert not result.errors, [str(e) for e in result.errors]


def test_unsatisfiable_requires() -> None:
    # `name` lives only in c, which cannot be jumped to: b's @requires cannot be met.
    result = compose(
        [
            sub("a", 'type Query { me: User } type User @key(fields: "id") { id: ID! }'),
            sub(
                "b",
                'type User @key(fields: "id") { id: ID! name: String @external '
                'greeting: String @requires(fields: "name") }',
            ),
            sub("c", 'type User @key(fields: "id", resolvable: false) { id: ID! name: String }'),
        ]
    )
    assert result.supergraph_sdl is None
    by_element = {e.elements: e for e in result.errors}
    assert set(by_element) == {("User.name",), ("User.greeting",)}
    assert {e.code for e in result.errors} == {"SATISFIABILITY_ERROR"}
    assert "@requires" in by_element[("User.greeting",)].message


@pytest.mark.parametrize(
    "sdl",
    ["type Query { a: ", "this is not graphql", "query { a }", "type Query { a: Missing }", "{"],
)
def test_invalid_graphql(sdl: str) -> None:
    error = only_error([Subgraph("broken", "http://broken", sdl)])
    assert error.code == "INVALID_GRAPHQL"
    assert error.subgraphs == ("broken",)


def test_invalid_graphql_is_reported_per_subgraph() -> None:
    result = compose(
        [Subgraph("x", "http://x", "type Query {"), Subgraph("y", "http://y", "type Query { y: }")]
    )
    assert [(e.code, e.subgraphs) for e in result.errors] == [
        ("INVALID_GRAPHQL", ("x",)),
        ("INVALID_GRAPHQL", ("y",)),
    ]


def test_empty_input() -> None:
    error = only_error([])
    assert error.code == "NO_SUBGRAPHS"
    assert "empty" in error.message


def test_duplicate_subgraph_names() -> None:
    error = only_error([sub("a", "type Query { a: Int }"), sub("a", "type Query { b: Int }")])
    assert error.code == "DUPLICATE_SUBGRAPH_NAME"
    assert error.subgraphs == ("a",)


def test_empty_sdl() -> None:
    error = only_error([Subgraph("a", "http://a", "   ")])
    assert error.code == "INVALID_GRAPHQL"


def test_no_queries() -> None:
    error = only_error([sub("a", 'type User @key(fields: "id") { id: ID! }')])
    assert error.code == "NO_QUERIES"


def test_type_kind_mismatch() -> None:
    error = only_error(
        [sub("a", "type Query { a: T } type T { x: Int }"), sub("b", "interface T { x: Int }")]
    )
    assert error.code == "TYPE_KIND_MISMATCH"
    assert error.elements == ("T",)


def test_required_argument_missing_in_some_subgraph() -> None:
    error = only_error(
        [
            sub("a", "type Query { f(x: Int!): Int @shareable }"),
            sub("b", "type Query { f: Int @shareable }"),
        ]
    )
    assert error.code == "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"
    assert error.elements == ("Query.f(x:)",)


def test_required_input_field_missing_in_some_subgraph() -> None:
    error = only_error(
        [
            sub("a", "type Query { a(f: Filter): Int } input Filter { x: Int! z: Int }"),
            sub("b", "type Query { b(f: Filter): Int } input Filter { z: Int }"),
        ]
    )
    assert error.code == "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
    assert error.elements == ("Filter.x",)


def test_enum_used_as_input_and_output_must_match() -> None:
    error = only_error(
        [
            sub("a", "type Query { a(c: Color): Color } enum Color { RED GREEN }"),
            sub("b", "type Query { b: Color } enum Color { RED }"),
        ]
    )
    assert error.code == "ENUM_VALUE_MISMATCH"
    assert error.elements == ("Color.GREEN",)


def test_external_unused() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") { id: ID! x: Int @external }',
            ),
            sub("b", 'type User @key(fields: "id") { id: ID! x: Int @shareable }'),
        ]
    )
    assert error.code == "EXTERNAL_UNUSED"
    assert error.elements == ("User.x",)


def test_requires_fields_missing_external() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") '
                '{ id: ID! x: Int y: Int @requires(fields: "x") }',
            )
        ]
    )
    assert error.code == "REQUIRES_FIELDS_MISSING_EXTERNAL"
    assert error.elements == ("User.y",)


def test_provides_on_non_object_field() -> None:
    error = only_error([sub("a", 'type Query { a: Int @provides(fields: "x") }')])
    assert error.code == "PROVIDES_ON_NON_OBJECT_FIELD"
    assert error.elements == ("Query.a",)


def test_override_from_self() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: User } type User @key(fields: "id") { id: ID! x: Int @override(from: "a") }',
            )
        ]
    )
    assert error.code == "OVERRIDE_FROM_SELF_ERROR"
    assert error.elements == ("User.x",)


def test_unknown_federation_version() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v3.0", import: ["@key"])\n'
        "type Query { a: Int }"
    )
    error = only_error([Subgraph("a", "http://a", sdl)])
    assert error.code == "UNKNOWN_FEDERATION_LINK_VERSION"


def test_errors_print_one_line_with_code_subgraph_and_element() -> None:
    error = only_error(
        [
            sub("a", 'type Query { a: User } type User @key(fields: "id") { id: ID! n: String }'),
            sub("b", 'type User @key(fields: "id") { id: ID! n: String }'),
        ]
    )
    assert str(error).startswith("INVALID_FIELD_SHARING [a,b] User.n: ")


def test_federation_directive_used_without_import() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
        'type Query { a: User } type User @key(fields: "id") { id: ID! n: Int @shareable }'
    )
    error = only_error([Subgraph("a", "http://a", sdl)])
    assert error.code == "INVALID_GRAPHQL"
    assert error.elements == ("@shareable",)
    assert "import it" in error.message


def test_federation_2_directive_in_a_federation_1_subgraph() -> None:
    sdl = 'type Query { a: User } type User @key(fields: "id") { id: ID! n: Int @shareable }'
    error = only_error([Subgraph("a", "http://a", sdl)])
    assert error.code == "INVALID_GRAPHQL"
    assert "Federation 2 directive" in error.message


def test_interface_object_needs_a_key() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: ["@key", "@interfaceObject"])\ntype Query { a: Node } type Node @interfaceObject { id: ID! }'
    )
    error = only_error([Subgraph("a", "http://a", sdl)])
    assert error.code == "INTERFACE_OBJECT_USAGE_ERROR"
    assert error.elements == ("Node",)


def test_interface_key_must_be_on_implementations() -> None:
    error = only_error(
        [
            sub(
                "a",
                'type Query { a: Node } interface Node @key(fields: "id") { id: ID! } '
                "type Thing implements Node { id: ID! }",
            )
        ]
    )
    assert error.code == "INTERFACE_KEY_NOT_ON_IMPLEMENTATION"
    assert error.elements == ("Thing",)


INACCESSIBLE = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@inaccessible"])\n'
)


@pytest.mark.parametrize(
    ("sdl", "code", "element"),
    [
        (
            "type Query { a: Secret } type Secret @inaccessible { x: Int }",
            "REFERENCED_INACCESSIBLE",
            "Query.a",
        ),
        (
            "type Query { a: Int b: T } type T { x: Int @inaccessible }",
            "ONLY_INACCESSIBLE_CHILDREN",
            "T",
        ),
        ("type Query { a(x: Int! @inaccessible): Int }", "REQUIRED_INACCESSIBLE", "Query.a(x:)"),
        (
            "type Query { a: I } interface I { x: Int } type T implements I { x: Int @inaccessible y: Int }",
            "IMPLEMENTED_BY_INACCESSIBLE",
            "T.x",
        ),
    ],
)
def test_inaccessible_rules(sdl: str, code: str, element: str) -> None:
    error = only_error([Subgraph("a", "http://a", INACCESSIBLE + sdl)])
    assert error.code == code
    assert error.elements == (element,)


def test_directive_not_in_linked_federation_version() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", '
        'import: ["@key", "@interfaceObject"])\ntype Query { a: Int }'
    )
    error = only_error([Subgraph("a", "http://a", sdl)])
    assert error.code == "INVALID_LINK_IMPORT"
    assert error.elements == ("@interfaceObject",)


def test_values_of_the_wrong_type_are_errors_not_exceptions() -> None:
    result = compose(
        [
            Subgraph("a", None, "type Query { a: Int }"),  # type: ignore[arg-type]
            Subgraph("", "http://b", "type Query { b: Int }"),
            Subgraph("c", "http://c", None),  # type: ignore[arg-type]
        ]
    )
    assert result.supergraph_sdl is None
    assert [e.code for e in result.errors] == [
        "INVALID_SUBGRAPH_URL",
        "INVALID_SUBGRAPH_NAME",
        "INVALID_GRAPHQL",
    ]
