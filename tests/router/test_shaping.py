"""Response shaping on hand-made merged data (no network, no planner)."""

from __future__ import annotations

from typing import Any

from graphql import build_schema, parse

from planner import OperationAnalysis
from router.response.shaping import OperationShaper

SCHEMA = build_schema(
    """
    type Query { me: User, users: [User!]!, node(id: ID!): Node, search: [Result], strict: User! }
    type Mutation { rename(name: String!): User }
    interface Node { id: ID! }
    union Result = User | Post
    type User implements Node { id: ID!, name: String, email: String!, role: Role, posts: [Post!] }
    type Post implements Node { id: ID!, title: String!, author: User }
    enum Role { ADMIN USER }
    """
)


def shape(
    query: str, data: dict[str, Any], variables: dict[str, Any] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    document = parse(query)
    analysis = OperationAnalysis.of(document)
    errors: list[dict[str, Any]] = []
    out = OperationShaper(SCHEMA, analysis).shape(data, variables or {}, errors)
    return out, errors


def test_aliases_and_plan_only_fields_are_dropped() -> None:
    data = {"me": {"__typename": "User", "id": "u1", "n": "Ann", "email": "a@x"}}
    out, errors = shape("{ me { n: name } }", data)
    assert out == {"me": {"n": "Ann"}}
    assert errors == []


def test_typename_on_root_objects_and_when_data_lacks_it() -> None:
    out, _ = shape("{ __typename me { __typename id } }", {"me": {"id": "u1"}})
    assert out == {"__typename": "Query", "me": {"__typename": "User", "id": "u1"}}


def test_fragments_resolved_by_runtime_type() -> None:
    data = {
        "search": [
            {"__typename": "User", "id": "u1", "name": "Ann"},
            {"__typename": "Post", "id": "p1", "title": "Hi"},
        ]
    }
    query = """
      { search { __typename ...U ... on Post { title } ... on Node { id } } }
      fragment U on User { name }
    """
    out, errors = shape(query, data)
    assert out == {
        "search": [
            {"__typename": "User", "name": "Ann", "id": "u1"},
            {"__typename": "Post", "title": "Hi", "id": "p1"},
        ]
    }
    assert errors == []


def test_skip_and_include_with_variables() -> None:
    data = {"me": {"id": "u1", "name": "Ann"}}
    query = "query($s: Boolean!, $i: Boolean!) { me { id @skip(if: $s) name @include(if: $i) } }"
    assert shape(query, data, {"s": True, "i": True})[0] == {"me": {"name": "Ann"}}
    assert shape(query, data, {"s": False, "i": False})[0] == {"me": {"id": "u1"}}


def test_null_bubbles_to_nearest_nullable_parent_with_one_error() -> None:
    data = {"me": {"id": "u1", "email": None}}
    out, errors = shape("{ me { id email } }", data)
    assert out == {"me": None}
    assert [e["path"] for e in errors] == [["me", "email"]]
    assert errors[0]["extensions"]["code"] == "NON_NULL_VIOLATION"


def test_null_in_non_null_list_item_nulls_the_list() -> None:
    data = {"me": {"posts": [{"id": "p1", "title": "a"}, {"id": "p2", "title": None}]}}
    out, errors = shape("{ me { posts { id title } } }", data)
    assert out == {"me": {"posts": None}}
    assert errors[0]["path"] == ["me", "posts", 1, "title"]


def test_non_null_root_field_nulls_data() -> None:
    out, errors = shape("{ strict { id } }", {"strict": None})
    assert out is None
    assert errors[0]["path"] == ["strict"]


def test_existing_subgraph_error_is_not_duplicated() -> None:
    document = parse("{ strict { id } }")
    analysis = OperationAnalysis.of(document)
    errors = [{"message": "boom", "path": ["strict"]}]
    OperationShaper(SCHEMA, analysis).shape({"strict": None}, {}, errors)
    assert len(errors) == 1


def test_unknown_enum_value_becomes_null_with_error() -> None:
    out, errors = shape("{ me { role } }", {"me": {"role": "SUPERUSER"}})
    assert out == {"me": {"role": None}}
    assert errors[0]["path"] == ["me", "role"]


def test_abstract_type_with_impossible_typename() -> None:
    out, errors = shape('{ node(id: "x") { id } }', {"node": {"__typename": "Role", "id": "x"}})
    assert out == {"node": None}
    assert errors


def test_mutation_root_typename_and_shaping() -> None:
    out, _ = shape('mutation { __typename rename(name: "B") { name } }', {"rename": {"name": "B"}})
    assert out == {"__typename": "Mutation", "rename": {"name": "B"}}


def test_same_response_key_merges_sub_selections() -> None:
    data = {"me": {"__typename": "User", "id": "u1", "name": "Ann"}}
    out, _ = shape("{ me { id } ... on Query { me { name } } }", data)
    assert out == {"me": {"id": "u1", "name": "Ann"}}


def test_shaping_cache_respects_variable_values() -> None:
    document = parse("query($i: Boolean!) { me { id name @include(if: $i) } }")
    analysis = OperationAnalysis.of(document)
    shaper = OperationShaper(SCHEMA, analysis)
    data = {"me": {"id": "u1", "name": "Ann"}}
    assert shaper.shape(data, {"i": True}, []) == {"me": {"id": "u1", "name": "Ann"}}
    assert shaper.shape(data, {"i": False}, []) == {"me": {"id": "u1"}}
