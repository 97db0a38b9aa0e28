"""Composition features the audit suites do not exercise: link imports with renames
and prefixes, Federation 1 specifics, @tag, @composeDirective, progressive @override,
deprecations and descriptions, input/enum intersection, root type renaming — and
hints, which never block composition."""

from __future__ import annotations

from graphql import build_schema

from planner import Supergraph
from planner.compose import CompositionResult, Subgraph, compose


def link(imports: str, extra: str = "") -> str:
    return (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", '
        f"{extra}import: [{imports}])\n"
    )


def composed(*subgraphs: tuple[str, str]) -> str:
    result = compose([Subgraph(n, f"http://{n}/graphql", sdl) for n, sdl in subgraphs])
    assert not result.errors, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    Supergraph.parse(result.supergraph_sdl)  # the planner accepts what we print
    build_schema(result.supergraph_sdl)  # and it is a valid GraphQL schema
    return result.supergraph_sdl


def result_of(*subgraphs: tuple[str, str]) -> CompositionResult:
    return compose([Subgraph(n, f"http://{n}/graphql", sdl) for n, sdl in subgraphs])


def test_renamed_and_prefixed_federation_directives() -> None:
    a = link('{ name: "@key", as: "@primaryKey" }, "@shareable"') + (
        'type Query { me: User } type User @primaryKey(fields: "id") '
        "{ id: ID! name: String @shareable }"
    )
    b = link('"@tag"', 'as: "fed", ') + (
        'type User @fed__key(fields: "id") { id: ID! name: String @fed__shareable age: Int }'
    )
    sdl = composed(("a", a), ("b", b))
    assert '@join__type(graph: A, key: "id")' in sdl
    assert '@join__type(graph: B, key: "id")' in sdl
    assert "  name: String\n" in sdl  # shareable in both: no @join__field
    assert "age: Int @join__field(graph: B)" in sdl


def test_federation_1_subgraphs() -> None:
    users = 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
    # Fed1: `extend type` with @external key fields, implicitly shareable `name`.
    reviews = 'extend type User @key(fields: "id") { id: ID! @external name: String reviews: Int }'
    sdl = composed(("users", users), ("reviews", reviews))
    assert '@join__type(graph: REVIEWS, key: "id")\n' in sdl  # no extension: true in Fed1
    assert "  id: ID!\n" in sdl
    assert "  name: String\n" in sdl


def test_federation_1_unused_external_is_dropped() -> None:
    users = 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
    reviews = (
        'extend type User @key(fields: "id") { id: ID! @external name: String @external x: Int }'
    )
    sdl = composed(("users", users), ("reviews", reviews))
    assert "name: String @join__field(graph: USERS)" in sdl


def test_tag_and_inaccessible_are_linked_when_used() -> None:
    a = link('"@key", "@tag", "@inaccessible"') + (
        'type Query { me: User @tag(name: "public") secret: Int @inaccessible } '
        'type User @key(fields: "id") @tag(name: "entity") { id: ID! }'
    )
    sdl = composed(("a", a))
    assert '@link(url: "https://specs.apollo.dev/tag/v0.3")' in sdl
    assert '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)' in sdl
    assert '  me: User @tag(name: "public")\n' in sdl  # one subgraph: no @join__field
    assert "  secret: Int @inaccessible\n" in sdl
    assert '  @tag(name: "entity")\n' in sdl
    plain = composed(("a", link('"@key"') + "type Query { a: Int }"))
    assert "tag/v0.3" not in plain
    assert "inaccessible/v0.2" not in plain


def test_compose_directive_is_carried_over() -> None:
    a = (
        link('"@key", "@composeDirective"')
        + 'extend schema @link(url: "https://example.com/cache/v1.0", import: ["@cacheControl"])'
        + ' @composeDirective(name: "@cacheControl")\n'
        + "directive @cacheControl(maxAge: Int) on FIELD_DEFINITION\n"
        + "type Query { a: Int @cacheControl(maxAge: 30) }"
    )
    sdl = composed(("a", a))
    assert '@link(url: "https://example.com/cache/v1.0", import: ["@cacheControl"])' in sdl
    assert "directive @cacheControl(maxAge: Int) on FIELD_DEFINITION" in sdl
    assert "  a: Int @cacheControl(maxAge: 30)\n" in sdl


def test_compose_directive_needs_a_link() -> None:
    a = (
        link('"@composeDirective"')
        + 'extend schema @composeDirective(name: "@custom")\n'
        + "directive @custom on FIELD_DEFINITION\ntype Query { a: Int @custom }"
    )
    assert [e.code for e in result_of(("a", a)).errors] == ["DIRECTIVE_COMPOSITION_ERROR"]


def test_progressive_override_uses_join_v04_labels() -> None:
    a = link('"@key"') + 'type Query { me: User } type User @key(fields: "id") { id: ID! n: Int }'
    b = link('"@key", "@override"') + (
        'type User @key(fields: "id") { id: ID! n: Int @override(from: "a", label: "percent(5)") }'
    )
    sdl = composed(("a", a), ("b", b))
    assert '@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)' in sdl
    assert (
        'n: Int @join__field(graph: A, overrideLabel: "percent(5)") '
        '@join__field(graph: B, override: "a", overrideLabel: "percent(5)")'
    ) in sdl


def test_deprecation_and_descriptions() -> None:
    a = link('"@key", "@shareable"') + (
        '"""A person"""\ntype Query { me: User } type User @key(fields: "id") '
        '{ id: ID! "the name" name: String @shareable @deprecated(reason: "use fullName") }'
    )
    b = link('"@key", "@shareable"') + (
        'type User @key(fields: "id") { id: ID! "the name" name: String @shareable }'
    )
    sdl = composed(("a", a), ("b", b))
    assert '@deprecated(reason: "use fullName")' in sdl
    assert '"""the name"""' in sdl or '"the name"' in sdl


def test_inconsistent_descriptions_hint() -> None:
    a = (
        link('"@key", "@shareable"')
        + 'type Query { a: T @shareable } "one" type T { x: Int @shareable }'
    )
    b = (
        link('"@key", "@shareable"')
        + 'type Query { a: T @shareable } "two" type T { x: Int @shareable }'
    )
    result = result_of(("a", a), ("b", b))
    assert not result.errors
    assert "INCONSISTENT_DESCRIPTION" in {h.code for h in result.hints}


def test_input_types_are_intersected_with_a_hint() -> None:
    a = (
        link('"@key"')
        + "type Query { a(f: F, c: Color): Int } input F { x: Int y: Int } enum Color { RED BLUE }"
    )
    b = (
        link('"@key"')
        + "type Query { b(f: F, c: Color): Int } input F { x: Int } enum Color { RED }"
    )
    result = result_of(("a", a), ("b", b))
    assert not result.errors, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    assert "y: Int" not in result.supergraph_sdl
    assert "BLUE" not in result.supergraph_sdl
    codes = {h.code for h in result.hints}
    assert {"INCONSISTENT_INPUT_OBJECT_FIELD", "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM"} <= codes


def test_output_enum_is_a_union() -> None:
    a = link('"@key"') + "type Query { a: Color } enum Color { RED }"
    b = link('"@key"') + "type Query { b: Color } enum Color { BLUE }"
    sdl = composed(("a", a), ("b", b))
    assert "RED @join__enumValue(graph: A)" in sdl
    assert "BLUE @join__enumValue(graph: B)" in sdl


def test_renamed_root_type() -> None:
    a = link('"@key"') + "schema { query: Root } type Root { a: Int }"
    b = link('"@key"') + "type Query { b: Int }"
    sdl = composed(("a", a), ("b", b))
    assert "a: Int @join__field(graph: A)" in sdl
    assert "type Root" not in sdl


def test_subgraph_printing_federation_machinery_is_accepted() -> None:
    a = link('"@key"') + (
        "scalar _Any\nunion _Entity = User\ntype _Service { sdl: String }\n"
        "type Query { me: User _service: _Service! _entities(representations: [_Any!]!): [_Entity]! }\n"
        'type User @key(fields: "id") { id: ID! }\n'
        "directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE\n"
    )
    sdl = composed(("a", a))
    assert "_Entity" not in sdl and "_service" not in sdl and "_Any" not in sdl


def test_graph_enum_names_are_sanitised() -> None:
    sdl = composed(
        ("my-graph", link('"@key"') + "type Query { a: Int }"),
        ("9lives", link('"@key"') + "type Query { b: Int }"),
    )
    assert 'MY_GRAPH @join__graph(name: "my-graph"' in sdl
    assert '_9LIVES @join__graph(name: "9lives"' in sdl


def test_hints_do_not_block_composition() -> None:
    a = (
        link('"@key", "@shareable"')
        + 'type Query { a: User } type User @key(fields: "id") { id: ID! n: Int! @shareable }'
    )
    b = link('"@key", "@shareable", "@override"') + (
        'type User @key(fields: "id") { id: ID! n: Int @shareable m: Int @override(from: "nowhere") }'
    )
    result = result_of(("a", a), ("b", b))
    assert not result.errors
    assert result.supergraph_sdl is not None
    assert {"INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE", "FROM_SUBGRAPH_DOES_NOT_EXIST"} <= {
        h.code for h in result.hints
    }
    assert all(h.elements for h in result.hints)


def test_executable_directives_common_to_all_subgraphs_are_kept() -> None:
    a = link('"@key"') + (
        "directive @lowercase(all: Boolean = true, x: Int) repeatable on FIELD | QUERY\n"
        "directive @onlyA on FIELD\ntype Query { a: String }"
    )
    b = link('"@key"') + (
        "directive @lowercase(all: Boolean = true) on FIELD | FRAGMENT_SPREAD\n"
        "type Query { b: String }"
    )
    result = result_of(("a", a), ("b", b))
    assert not result.errors
    assert result.supergraph_sdl is not None
    assert "directive @lowercase(all: Boolean = true) on FIELD\n" in result.supergraph_sdl
    Supergraph.parse(result.supergraph_sdl)
    assert "@onlyA" not in result.supergraph_sdl
    assert "INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE" in {h.code for h in result.hints}
