"""Bad input never crashes composition: audit subgraph SDLs with random tokens
deleted, duplicated or swapped either compose into a supergraph the planner accepts,
or give composition errors — never an exception."""

from __future__ import annotations

import json
import re

from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Supergraph
from planner.compose import Subgraph, compose
from tests.support import AUDIT_DIR, audit_suites

SUITES = audit_suites()
TOKEN = re.compile(r'\w+|"[^"]*"|\S')


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_subgraphs_never_crash(data: st.DataObject) -> None:
    if not SUITES:
        return
    suite = data.draw(st.sampled_from(SUITES))
    raw = json.loads((AUDIT_DIR / suite / "subgraphs.json").read_text())
    index = data.draw(st.integers(0, len(raw) - 1))
    tokens = TOKEN.findall(raw[index]["sdl"])
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(tokens) - 1))
        action = data.draw(st.sampled_from(["delete", "replace", "insert"]))
        other = data.draw(st.sampled_from(tokens))
        if action == "delete" and len(tokens) > 1:
            del tokens[position]
        elif action == "replace":
            tokens[position] = other
        else:
            tokens.insert(position, other)
    raw[index]["sdl"] = " ".join(tokens)
    result = compose([Subgraph(s["name"], s["url"], s["sdl"]) for s in raw])
    assert (result.supergraph_sdl is None) == bool(result.errors)
    for error in result.errors:
        assert error.code and error.message
    if result.supergraph_sdl is not None:
        Supergraph.parse(result.supergraph_sdl)
        build_schema(result.supergraph_sdl)
