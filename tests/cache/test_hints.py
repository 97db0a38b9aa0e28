"""Cache hints and tags, without servers: the TTL and scope rules, and the record tags
found through aliases and fragments."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from planner import OperationAnalysis, Supergraph
from router.cache.hints import CacheHints, CachePolicy
from router.cache.settings import CacheSettings
from router.cache.tags import response_tags
from tests.cache.subgraphs import write_supergraph


@pytest.fixture(scope="module")
def supergraph(tmp_path_factory: pytest.TempPathFactory) -> Supergraph:
    path: Path = tmp_path_factory.mktemp("hints") / "supergraph.graphql"
    write_supergraph({"catalog": "http://catalog", "reviews": "http://reviews"}, path)
    return Supergraph.parse(path.read_text())


def _policy(supergraph: Supergraph, query: str, **settings: object) -> CachePolicy:
    hints = CacheHints(supergraph, CacheSettings(**settings))  # type: ignore[arg-type]
    analysis = OperationAnalysis.of(parse(query))
    root = supergraph.api_schema.query_type
    return hints.policy(analysis.operation.selection_set, root, analysis.fragments)


def test_ttl_rules(supergraph: Supergraph) -> None:
    # Query.products has no hint of its own: it returns Product, whose hint (60) wins
    # over default_ttl_s, whichever is smaller.
    assert _policy(supergraph, "{ products { id } }").ttl == 60
    assert _policy(supergraph, "{ products { id } }", default_ttl_s=30.0).ttl == 60
    assert _policy(supergraph, "{ products { id } }", default_ttl_s=300.0).ttl == 60
    assert _policy(supergraph, "{ ticker products { id } }").ttl == 1
    # Scalars add no limit of their own; a root scalar gets the default.
    assert _policy(supergraph, "{ flaky }", default_ttl_s=7.0).ttl == 7
    # router.yaml wins over the directives.
    assert _policy(supergraph, "{ ticker }", fields=(("Query.ticker", 9.0),)).ttl == 9
    assert (
        _policy(
            supergraph, "{ product(id: 1) { id } }", types=(("Product", 5.0),), default_ttl_s=100.0
        ).ttl
        == 5
    )


def test_scope_and_types(supergraph: Supergraph) -> None:
    me = _policy(supergraph, "{ me { id } }")
    assert me.private and me.ttl == 30
    products = _policy(supergraph, "{ products { id reviews { body } } }")
    assert not products.private
    assert {"Query", "Product", "Review"} <= products.types
    private = _policy(supergraph, "{ products { id } }", private_types=("Product",))
    assert private.private


def test_record_tags_through_aliases_and_fragments(supergraph: Supergraph) -> None:
    hints = CacheHints(supergraph, CacheSettings())
    query = (
        "query { a: products { ...F } b: product(id: 1) { name } } "
        "fragment F on Product { key: id name }"
    )
    analysis = OperationAnalysis.of(parse(query))
    root = supergraph.api_schema.query_type
    assert root is not None
    data = {"a": [{"key": "p1", "name": "x"}, {"key": "p2", "name": "y"}], "b": {"name": "z"}}
    policy = hints.policy(analysis.operation.selection_set, root, analysis.fragments)
    tags = response_tags(
        supergraph.api_schema,
        hints.keys,
        data,
        analysis.operation.selection_set,
        root,
        analysis.fragments,
        policy.types,
    )
    assert 'Product#{"id":"p1"}' in tags
    assert 'Product#{"id":"p2"}' in tags
    assert "Product~" in tags  # b's product has no id: invalidated by any Product key
    assert "Product" in tags
