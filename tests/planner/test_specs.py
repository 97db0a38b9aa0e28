"""planner.specs: spec URLs, the names a supergraph's links give specs, and link text."""

from __future__ import annotations

from graphql import parse

from planner.specs import (
    SpecVersion,
    is_spec_type,
    link_application,
    linked_spec_names,
    parse_import,
    parse_spec_url,
    print_link_arguments,
    spec_url,
)


def test_spec_urls_round_trip() -> None:
    assert spec_url("join", "v0.3") == "https://specs.apollo.dev/join/v0.3"
    assert parse_spec_url(spec_url("federation", "v2.3")) == SpecVersion("federation", 2, 3)
    assert parse_spec_url("http://specs.apollo.dev/tag/v0.3/") == SpecVersion("tag", 0, 3)
    assert parse_spec_url("https://example.com/join/v0.3") is None
    assert parse_spec_url("https://specs.apollo.dev/join/latest") is None


def test_linked_spec_names_follow_as_and_core() -> None:
    document = parse(
        'schema @link(url: "https://specs.apollo.dev/link/v1.0")'
        ' @link(url: "https://specs.apollo.dev/join/v0.3", as: "j")'
        ' @link(url: "https://example.com/other/v1.0") { query: Query }'
        " type Query { a: Int }"
    )
    names = linked_spec_names(document)
    assert names == {"link": "link", "join": "j"}
    assert is_spec_type("j__Graph", names) and not is_spec_type("join__Graph", names)
    core = parse(
        'schema @core(feature: "https://specs.apollo.dev/core/v0.1")'
        ' @core(feature: "https://specs.apollo.dev/join/v0.1") { query: Query }'
        " type Query { a: Int }"
    )
    assert linked_spec_names(core) == {"core": "core", "join": "join"}


def test_imports_and_printed_links() -> None:
    assert parse_import("@key") == ("@key", "@key")
    assert parse_import({"name": "@key", "as": "@primaryKey"}) == ("@key", "@primaryKey")
    assert parse_import(3) is None
    assert (
        link_application("join", "v0.3", "EXECUTION")
        == '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)'
    )
    assert (
        print_link_arguments({"url": "https://x.dev/a/v1.0", "import": ["@a", {"name": "@b"}]})
        == 'url: "https://x.dev/a/v1.0", import: ["@a", {name: "@b"}]'
    )
