"""Composition proves itself against the federation audit: for every suite, composing
the subgraph SDLs of ``subgraphs.json`` must give a supergraph equivalent to the
suite's ``supergraph.graphql`` (made by Apollo's composition) — same types, fields,
arguments, join directives and their arguments — once order and formatting are
normalised."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import parse, print_ast
from graphql.language import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    UnionTypeDefinitionNode,
)

from planner.compose import Subgraph, compose
from tests.support import AUDIT_DIR, audit_suites, require_shared_data

#: Arguments whose default value makes them redundant when written explicitly.
DEFAULT_ARGS = {
    ("join__type", "extension", "false"),
    ("join__type", "resolvable", "true"),
    ("join__type", "isInterfaceObject", "false"),
    ("join__field", "external", "false"),
    ("join__field", "usedOverridden", "false"),
}


def _directive(node: DirectiveNode) -> str:
    name = node.name.value
    args = sorted(
        (arg.name.value, print_ast(arg.value))
        for arg in node.arguments or ()
        if (name, arg.name.value, print_ast(arg.value)) not in DEFAULT_ARGS
    )
    return f"@{name}(" + ", ".join(f"{k}: {v}" for k, v in args) + ")"


def _directives(nodes: Any) -> list[str]:
    return sorted(_directive(d) for d in nodes or ())


def _description(node: Any) -> str | None:
    return node.description.value.strip() if node.description is not None else None


def _input_value(node: Any) -> tuple[Any, ...]:
    default = print_ast(node.default_value) if node.default_value is not None else None
    return (print_ast(node.type), default, _description(node), _directives(node.directives))


def normalise(document: DocumentNode) -> dict[str, Any]:
    """A canonical, order-free form of a supergraph SDL document."""
    result: dict[str, Any] = {"types": {}, "directives": {}}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            result["schema"] = (
                _directives(definition.directives),
                sorted(
                    (op.operation.value, op.type.name.value) for op in definition.operation_types
                ),
            )
        elif isinstance(definition, DirectiveDefinitionNode):
            result["directives"][definition.name.value] = (
                sorted((a.name.value, _input_value(a)) for a in definition.arguments or ()),
                definition.repeatable,
                sorted(loc.value for loc in definition.locations),
            )
        else:
            name = definition.name.value  # type: ignore[attr-defined]
            entry: dict[str, Any] = {
                "kind": definition.kind,
                "description": _description(definition),
                "directives": _directives(definition.directives),  # type: ignore[attr-defined]
            }
            if isinstance(
                definition,
                ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode,
            ):
                entry["interfaces"] = sorted(i.name.value for i in definition.interfaces or ())
                entry["fields"] = {
                    f.name.value: (
                        print_ast(f.type),
                        _description(f),
                        _directives(f.directives),
                        sorted((a.name.value, _input_value(a)) for a in f.arguments or ()),
                    )
                    for f in definition.fields or ()
                }
            elif isinstance(definition, InputObjectTypeDefinitionNode):
                entry["fields"] = {f.name.value: _input_value(f) for f in definition.fields or ()}
            elif isinstance(definition, UnionTypeDefinitionNode):
                entry["members"] = sorted(t.name.value for t in definition.types or ())
            elif isinstance(definition, EnumTypeDefinitionNode):
                entry["values"] = {
                    v.name.value: (_description(v), _directives(v.directives))
                    for v in definition.values or ()
                }
            else:
                assert isinstance(definition, ScalarTypeDefinitionNode)
            assert name not in result["types"], f"type {name} defined twice"
            result["types"][name] = entry
    return result


def _differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    diffs: list[str] = []
    if ours.get("schema") != theirs.get("schema"):
        diffs.append(f"schema: {ours.get('schema')} != {theirs.get('schema')}")
    for section in ("directives", "types"):
        for name in sorted(set(ours[section]) | set(theirs[section])):
            if ours[section].get(name) != theirs[section].get(name):
                diffs.append(
                    f"{section} {name}:\n  ours:   {ours[section].get(name)}\n"
                    f"  theirs: {theirs[section].get(name)}"
                )
    return diffs


def _subgraphs(suite: str) -> list[Subgraph]:
    raw = json.loads((AUDIT_DIR / suite / "subgraphs.json").read_text())
    return [Subgraph(s["name"], s["url"], s["sdl"]) for s in raw]


def test_audit_data_is_present() -> None:
    require_shared_data()
    assert len(audit_suites()) == 46


@pytest.mark.parametrize("suite", audit_suites())
def test_composed_supergraph_matches_audit(suite: str) -> None:
    result = compose(_subgraphs(suite))
    assert not result.errors, "\n".join(str(e) for e in result.errors)
    assert result.supergraph_sdl is not None
    expected = (AUDIT_DIR / suite / "supergraph.graphql").read_text()
    diffs = _differences(normalise(parse(result.supergraph_sdl)), normalise(parse(expected)))
    assert not diffs, "\n".join(diffs)


def test_normaliser_sees_a_changed_join_argument() -> None:
    """The comparison is not vacuous: dropping one join argument is a difference."""
    require_shared_data()
    expected = (AUDIT_DIR / "simple-requires-provides" / "supergraph.graphql").read_text()
    altered = expected.replace(', requires: "price weight"', "", 1)
    assert altered != expected
    assert _differences(normalise(parse(altered)), normalise(parse(expected)))
    document = parse(expected)
    reordered = DocumentNode(definitions=tuple(reversed(document.definitions)))
    assert not _differences(normalise(parse(print_ast(reordered))), normalise(document))


@pytest.mark.parametrize("suite", audit_suites())
def test_composed_supergraph_is_printed_like_apollos(suite: str) -> None:
    """Beyond equivalence, the printer reproduces Apollo's layout byte for byte."""
    result = compose(_subgraphs(suite))
    expected = (AUDIT_DIR / suite / "supergraph.graphql").read_text()
    assert result.supergraph_sdl == expected.rstrip("\n")
