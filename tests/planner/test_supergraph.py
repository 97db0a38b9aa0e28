"""Reading supergraphs: the join model, the API schema, and clear errors for bad input."""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType, print_schema

from planner import Supergraph, SupergraphError
from tests.support import AUDIT_DIR, audit_suites, require_shared_data


def _suite(name: str) -> Supergraph:
    require_shared_data()
    return Supergraph.parse((AUDIT_DIR / name / "supergraph.graphql").read_text())


@pytest.mark.parametrize("suite", audit_suites())
def test_every_audit_supergraph_parses_into_an_api_schema(suite: str) -> None:
    supergraph = _suite(suite)
    api = print_schema(supergraph.api_schema)
    assert "join__" not in api and "link__" not in api and "@inaccessible" not in api
    assert supergraph.subgraphs


def test_model_reads_keys_requires_provides_and_external() -> None:
    sg = _suite("simple-requires-provides")
    graphs = sg.graphs_of_type("Product")
    assert graphs and all(info.keys for info in graphs.values())
    entries = {
        e.graph: e
        for t, f in sg.field_graphs
        for e in sg.field_graphs[(t, f)]
        if f == "shippingEstimate"
    }
    assert any(e.requires for e in entries.values())


def test_inaccessible_elements_are_not_in_the_api_schema() -> None:
    sg = _suite("simple-inaccessible")
    user = sg.api_schema.type_map["User"]
    assert isinstance(user, GraphQLObjectType)
    assert "type" not in user.fields["friends"].args
    full_user = sg.schema.type_map["User"]
    assert isinstance(full_user, GraphQLObjectType)
    assert "type" in full_user.fields["friends"].args


def test_interface_object_and_runtime_types_per_graph() -> None:
    sg = _suite("simple-interface-object")
    assert sg.is_interface_object("Account", "b")
    assert not sg.is_interface_object("Account", "a")
    assert sg.possible_runtime_types("Account", "a") == ["Admin", "Regular"]


@pytest.mark.parametrize(
    ("sdl", "needle"),
    [
        ("", "empty"),
        ("type Query {", "does not parse"),
        ("type Query { a: Int }", "not a supergraph"),
        (
            'schema @link(url: "https://specs.apollo.dev/join/v0.3") { query: Query }\n'
            "enum join__Graph { A }\ntype Query { a: Nope }",
            "not a valid schema",
        ),
        (
            'schema @link(url: "https://specs.apollo.dev/link/v1.0") '
            '@link(url: "https://specs.apollo.dev/join/v0.3") { query: Query }\n'
            "directive @link(url: String, as: String) repeatable on SCHEMA\n"
            "directive @join__type(graph: join__Graph!, key: String) repeatable on OBJECT\n"
            "directive @join__graph(name: String!, url: String!) on ENUM_VALUE\n"
            "enum join__Graph { A }\n"
            "type Query @join__type(graph: B) { a: Int }",
            "which join__Graph does not define",
        ),
    ],
)
def test_bad_supergraphs_are_rejected_with_a_message(sdl: str, needle: str) -> None:
    with pytest.raises(SupergraphError) as caught:
        Supergraph.parse(sdl)
    assert needle in str(caught.value)
    assert caught.value.code == "INVALID_SUPERGRAPH"


JOIN_V01 = """
schema
  @core(feature: "https://specs.apollo.dev/core/v0.1")
  @core(feature: "https://specs.apollo.dev/join/v0.1")
{ query: Query }

directive @core(feature: String!) repeatable on SCHEMA
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet) on FIELD_DEFINITION
directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on OBJECT | INTERFACE
directive @join__owner(graph: join__Graph!) on OBJECT | INTERFACE
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
scalar join__FieldSet

enum join__Graph {
  ACCOUNTS @join__graph(name: "accounts" url: "http://accounts.local/graphql")
  REVIEWS @join__graph(name: "reviews" url: "http://reviews.local/graphql")
}

type Query { me: User @join__field(graph: ACCOUNTS) }

type User
  @join__owner(graph: ACCOUNTS)
  @join__type(graph: ACCOUNTS, key: "id")
  @join__type(graph: REVIEWS, key: "id")
{
  id: ID!
  name: String
  reviews: [Review] @join__field(graph: REVIEWS)
}

type Review { body: String }
"""


def test_join_v01_supergraph_with_owner_and_unannotated_value_types() -> None:
    from planner import Fetch, QueryPlanner

    sg = Supergraph.parse(JOIN_V01)
    assert sorted(sg.subgraphs) == ["accounts", "reviews"]
    plan = QueryPlanner(sg, batch=False).plan("{ me { name reviews { body } } }")
    fetches = [f for f in plan.fetches() if isinstance(f, Fetch)]
    assert [f.service_name for f in fetches] == ["accounts", "reviews"]
    assert fetches[0].operation == "{me{__typename name id}}"  # client fields, then the key
    assert "...on User{reviews{body}}" in fetches[1].operation


def test_renamed_join_spec_plans_like_the_original() -> None:
    from planner import QueryPlanner

    require_shared_data()
    sdl = (AUDIT_DIR / "simple-requires-provides" / "supergraph.graphql").read_text()
    renamed = sdl.replace("join__", "j__").replace(
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
        '@link(url: "https://specs.apollo.dev/join/v0.5", as: "j", for: EXECUTION)',
    )
    assert renamed != sdl and "join__" not in renamed
    query = "{ products { upc shippingEstimate reviews { body } } }"
    original = QueryPlanner(Supergraph.parse(sdl)).plan(query).to_json()
    assert QueryPlanner(Supergraph.parse(renamed)).plan(query).to_json() == original
    assert "j__" not in print_schema(Supergraph.parse(renamed).api_schema)
