"""What the compile cache keeps is kept out of garbage collections, so full
collections do not walk cached documents while holding the GIL (they stalled the
event loop for 100-900 ms under hostile load), and nothing frozen is lost for good."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from router.config.settings import Settings
from router.execution.subgraph_client import SubgraphClient
from router.ops import gil
from router.state import _COMPILER, GatewayState, build_state
from tests.hostile.harness import unreachable_supergraph

FAN_OUT = "{" + " ".join(f"a{i}: products {{ upc }}" for i in range(300)) + "}"


@pytest.fixture
def state(tmp_path: Path) -> GatewayState:
    path = unreachable_supergraph(tmp_path)
    return build_state(path.read_text(), str(path), Settings(), SubgraphClient(5, 10))


@pytest.fixture
def thawed() -> Iterator[None]:
    """Each test starts and ends with nothing frozen by an earlier one."""
    gc.unfreeze()
    gc.collect()
    yield
    gc.unfreeze()
    gc.collect()


def _collectable_ids() -> set[int]:
    return {id(o) for generation in (0, 1, 2) for o in gc.get_objects(generation)}


def test_a_cached_compile_is_out_of_every_generation(state: GatewayState, thawed: None) -> None:
    compiled = asyncio.run(state.prepare_async(FAN_OUT, None))
    nodes = compiled.analysis.operation.selection_set.selections
    assert len(nodes) == 300
    collectable = _collectable_ids()
    assert not any(id(node) in collectable for node in nodes)
    assert id(compiled) not in collectable


def test_an_evicted_compile_is_still_freed(state: GatewayState, thawed: None) -> None:
    asyncio.run(state.prepare_async(FAN_OUT, None))
    # The compile thread may not have dropped its work item (which holds the result)
    # yet when the loop has the answer: one more job on that one thread waits for it.
    _COMPILER.submit(lambda: None).result()
    frozen = gc.get_freeze_count()
    state.operations.clear()
    state.planner.plan_cache.clear()
    state.planner._prepared.clear()  # the planner keeps the same tree too
    # Freed by reference counting, no collection needed: at least the 300 fields with
    # their names and selection sets left the permanent generation.
    assert frozen - gc.get_freeze_count() > 3 * 300


class _Cyclic:
    def __init__(self) -> None:
        self.me = self


def test_a_cycle_frozen_alive_is_collected_at_the_next_thaw(
    monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:
    monkeypatch.setattr(gil, "THAW_INTERVAL_S", 3600.0)
    monkeypatch.setattr(gil, "_last_thaw", gil.time.monotonic())
    cycle = _Cyclic()
    alive = weakref.ref(cycle)
    gil.keep_compiled()  # frozen while alive
    del cycle
    gc.collect()
    assert alive() is not None  # a frozen cycle is not collected...
    monkeypatch.setattr(gil, "THAW_INTERVAL_S", 0.0)
    gil.keep_compiled()
    assert alive() is None  # ...until the periodic thaw


def test_young_collections_are_far_apart_but_still_run_on_their_own(thawed: None) -> None:
    before = gc.get_threshold()
    try:
        gil.tune_for_responsiveness()
        assert gc.get_threshold() == gil.GC_THRESHOLDS
        cycle = _Cyclic()
        alive = weakref.ref(cycle)
        del cycle
        kept = [[] for _ in range(gil.GC_THRESHOLDS[0] // 2)]  # not enough yet
        assert alive() is not None
        kept += [[] for _ in range(gil.GC_THRESHOLDS[0])]  # past the threshold
        assert alive() is None  # collected without anyone calling gc.collect()
        del kept
    finally:
        gc.set_threshold(*before)
        sys.setswitchinterval(0.005)


def test_large_bodies_bring_a_young_collection_forward(
    monkeypatch: pytest.MonkeyPatch, thawed: None
) -> None:
    monkeypatch.setattr(gil, "_body_bytes", 0)
    before = gc.get_threshold()
    try:
        gc.set_threshold(*gil.GC_THRESHOLDS)
        cycle = _Cyclic()
        alive = weakref.ref(cycle)
        del cycle
        gil.note_body(gil.BODY_BYTES_PER_COLLECTION // 2)
        assert alive() is not None  # not enough bytes yet
        gil.note_body(gil.BODY_BYTES_PER_COLLECTION // 2)
        assert alive() is None
    finally:
        gc.set_threshold(*before)
