"""Findings 1-3 and 8-9: hostile documents get coded 4xx answers in bounded time and
memory, and nothing walks client-controlled depth recursively."""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from router.errors import RequestError
from router.operation.document import parse_document
from router.operation.limits import check_lexical_depth, deepest_nesting
from tests.hostile.harness import CORPUS, coded, router_client, rss_bytes, unreachable_supergraph

MB = 1024 * 1024


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


@pytest.mark.parametrize("entry", corpus(), ids=lambda p: p.stem)
async def test_corpus_entry_gets_its_coded_answer(entry: Path, tmp_path: Path) -> None:
    case: dict[str, Any] = json.loads(entry.read_text())
    async with router_client(unreachable_supergraph(tmp_path)) as client:
        response = await client.post("/graphql", json={"query": case["query"]})
    assert response.status_code == case["status"], response.text[:300]
    assert coded(response.json()) == [case["code"]]


ADVERSARIAL = {
    "escaped quotes after deep braces": "{" * 101 + '"' + '\\"' * (MB // 2),
    "unterminated block string": "{" * 101 + '"""' + '\\"""""' * (MB // 6),
    "quotes and backslashes": "{" * 101 + '"\\' * (MB // 2),
    "comment markers": "{" * 101 + "#" * MB,
    "braces only": "{" * MB,
    "balanced braces": "{}" * (MB // 2),
    "empty strings": "{" * 101 + '""' * (MB // 2),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_lexical_check_of_1mb_adversarial_text_is_fast(name: str) -> None:
    """Before the fix the first case alone took hours (a quadratic regex); linear
    growth itself is timed in the bench (`make bench-hostile`)."""
    text = ADVERSARIAL[name]
    started = time.perf_counter()
    try:
        check_lexical_depth(text, 100)
    except RequestError as exc:
        assert exc.status == 400
        assert exc.errors[0]["extensions"]["code"] in {"MAX_DEPTH_EXCEEDED", "GRAPHQL_PARSE_FAILED"}
    assert time.perf_counter() - started < 2.0


def test_strings_comments_and_block_strings_hide_their_braces() -> None:
    assert deepest_nesting('{ a(s: "{{{ \\" {") { b } } # {{{{\n') == 2
    assert deepest_nesting('{ a(s: """ {{ \\""" {{ " "" """) { b } }') == 2
    assert deepest_nesting('{ a(s: "unterminated {{{{') == 1


def test_fragment_chain_is_refused_without_recursion() -> None:
    """3,000 fragments each spreading the next: no field depth, but a recursive walk
    3,000 deep. Refused by nesting, with the recursion limit far below 3,000."""
    chain = "\n".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(3000))
    query = "{ me { ...F0 } }\n" + chain + "\nfragment F3000 on User { id }"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # parsing stays shallow: definitions are siblings
    try:
        with pytest.raises(RequestError) as info:
            parse_document(query, 100, 1000)
    finally:
        sys.setrecursionlimit(limit)
    assert info.value.errors[0]["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"


def test_fragment_chains_within_the_limit_still_work() -> None:
    chain = "\n".join(f"fragment F{i} on User {{ ...F{i + 1} }}" for i in range(50))
    parse_document("{ me { ...F0 } }\n" + chain + "\nfragment F50 on User { id }", 100, 1000)


async def test_introspection_fields_are_capped_and_the_answer_computed_once(
    tmp_path: Path,
) -> None:
    async with router_client(
        unreachable_supergraph(tmp_path), max_introspection_fields=3
    ) as client:
        many = "{" + " ".join(f"s{i}: __schema {{ queryType {{ name }} }}" for i in range(4)) + "}"
        refused = await client.post("/graphql", json={"query": many})
        assert refused.status_code == 400
        assert coded(refused.json()) == ["MAX_INTROSPECTION_FIELDS_EXCEEDED"]
        query = "{ __schema { queryType { name } } }"
        first = (await client.post("/graphql", json={"query": query})).json()
        second = (await client.post("/graphql", json={"query": query})).json()
        assert first == second == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        state = client.app.state.holder.current  # type: ignore[attr-defined]
        prepared = state.prepare(query, None)
        assert prepared.introspection_answer is not None
        # With variables the answer depends on the request: computed per request.
        typed = "query T($n: String!) { __type(name: $n) { name } }"
        answer = await client.post("/graphql", json={"query": typed, "variables": {"n": "User"}})
        assert answer.json() == {"data": {"__type": {"name": "User"}}}
        assert state.prepare(typed, None).introspection_answer is None


async def test_cache_keys_are_hashes_not_documents(tmp_path: Path) -> None:
    async with router_client(unreachable_supergraph(tmp_path)) as client:
        query = "{ me { id } } # " + "x" * 10_000
        await client.post("/graphql", json={"query": query})
        state = client.app.state.holder.current  # type: ignore[attr-defined]
        keys = list(state.operations._entries)
        assert keys and all(isinstance(key, str) and len(key) == 64 for key in keys)
        assert state.operations.bytes > 0  # weighed, so bounded by bytes


async def test_repeated_invalid_query_keeps_memory_flat(tmp_path: Path) -> None:
    """Finding 8: 20,000 repeats of an invalid query (cached refusals used to chain
    every request's traceback onto one exception object)."""
    async with router_client(unreachable_supergraph(tmp_path)) as client:
        body = {"query": "{ me { nope } }"}
        for _ in range(500):  # warm up allocator pools
            await client.post("/graphql", json=body)
        before = rss_bytes()
        for _ in range(20_000):
            response = await client.post("/graphql", json=body)
        assert response.status_code == 400
        assert coded(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
        grown = rss_bytes() - before
    assert grown < 20 * MB, f"RSS grew {grown / MB:.1f} MB"


async def test_unique_large_documents_stay_within_the_byte_budget(tmp_path: Path) -> None:
    """Finding 9: unique large documents; the caches are bounded by bytes, not count.
    (The bench sends 1,000 of 1 MB; 60 of 256 KB keep this test short.) Two caches of
    4 MB each may hold 8 MB of documents; unbounded, they would hold all 15 MB at
    least once.
    Python's own allocations are traced (tracemalloc), except the test client's copies
    of the bodies it sent (httpx keeps them): RSS keeps what the C allocator does not
    give back after 1 MB buffers are freed, and told nothing here (it grew 92 MB with
    16 MB caches, 128.8 MB with 64 MB ones)."""
    budget = 4 * MB
    async with router_client(
        unreachable_supergraph(tmp_path), document_cache_bytes=budget, max_body_bytes=2 * MB
    ) as client:
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            for i in range(60):
                query = f"{{ __typename }} # {i}\n" + " " * (MB // 4)
                response = await client.post("/graphql", json={"query": query})
                assert response.status_code == 200, response.text[:200]
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        not_the_client = [tracemalloc.Filter(False, "*/httpx/*")]
        grown = sum(
            stat.size_diff
            for stat in after.filter_traces(not_the_client).compare_to(
                before.filter_traces(not_the_client), "filename"
            )
        )
        state = client.app.state.holder.current  # type: ignore[attr-defined]
        assert state.operations.bytes <= budget
        assert state.planner._prepared.bytes <= budget
    assert grown < 2 * budget + 4 * MB, f"Python memory grew {grown / MB:.1f} MB"
