"""Keeping the event loop responsive while the compile thread works.

Uncached documents are compiled in one worker thread (``router.state``), which
shares the GIL with the event loop. Two things decide how long the loop waits:

* the GIL switch interval: the loop gets the GIL back at most this long after it
  asks. 1 ms instead of Python's 5 ms (``tune_for_responsiveness``); it only
  matters while the compile thread is busy.
* the cyclic garbage collector: a collection runs inside whichever thread
  allocates, holding the GIL throughout. Parsing a large document allocates
  hundreds of thousands of objects and triggers full collections over the whole
  heap: measured 300-700 ms loop stalls per hostile document. So the start-up
  heap (modules, schema, planner) is frozen out of collections, and collection is
  paused while a document compiles (``paused_collection``): ASTs hold no reference
  cycles, so reference counting frees them anyway. Pauses are budgeted: after
  ``PAUSE_BUDGET_S`` of paused time the young generations are collected (cheap;
  the request garbage cycles are young), so constant hostile compiling cannot
  let cyclic garbage pile up.
* the young-generation threshold: every request allocates thousands of dicts and
  lists (decoded subgraph answers, the merged and the shaped response) that live
  until it is answered. With Python's default (a collection every 700 net
  allocations) the collector kept walking the live data of the requests in flight
  and promoting it, only for reference counting to free it a moment later: at 50
  concurrent requests ``GC_THRESHOLDS`` measured 7-9% less CPU per request (bench
  operation, 1,035 -> 1,110-1,130 requests/s, same peak RSS). Some garbage does hold
  cycles (an error's traceback, a syntax error holding its document), and with
  collections far apart a flood of large refused documents would keep hundreds of
  them: so request bodies are counted (``note_body``), and every
  ``BODY_BYTES_PER_COLLECTION`` the two young generations are collected, whatever
  the allocation count says. 300 large documents (a third each unparsable, invalid
  and valid; client and router in one process): peak RSS growth 510 MB with the far
  threshold alone, 394 MB with Python's default, 367 MB with both.
* what a compile builds and the cache keeps (the syntax tree, plan, shaper: ~20,000
  objects for a 900-alias document) would otherwise travel through every
  generation and be walked again by each full collection, holding the GIL for
  100-900 ms once a few hundred documents are cached (measured under
  ``make bench-hostile``). So a finished compile moves it into the permanent
  generation (``keep_compiled``), as the start-up heap is. Objects there are still
  freed by reference counting when the cache evicts them (parse trees hold no
  cycles: ``router.operation.document.parse_without_cycles``); only a cycle that
  was alive at a freeze and dies later would stay, so every ``THAW_INTERVAL_S``
  the permanent generation is thawed and fully collected once, then frozen again.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections.abc import Iterator

SWITCH_INTERVAL_S = 0.001
GC_THRESHOLDS = (50_000, 20, 100)
"""``gc.set_threshold`` at start-up: young collections every 50,000 net allocations."""
BODY_BYTES_PER_COLLECTION = 2 * 1024 * 1024
"""Request body bytes after which the young generations are collected anyway."""
PAUSE_BUDGET_S = 1.0
THAW_INTERVAL_S = 300.0

_lock = threading.Lock()
_body_bytes = 0
_paused_total = 0.0
_last_thaw = time.monotonic()


def tune_for_responsiveness() -> None:
    """At start-up, after the supergraph is loaded: shorter GIL switches, the heap
    built so far frozen out of garbage collection, and young collections far apart."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def note_body(size: int) -> None:
    """Count a request body (event loop thread); collect the young generations once
    ``BODY_BYTES_PER_COLLECTION`` bytes have come in since the last time."""
    global _body_bytes
    _body_bytes += size
    if _body_bytes >= BODY_BYTES_PER_COLLECTION:
        _body_bytes = 0
        gc.collect(1)


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """Pause the cyclic collector around one compile (see the module doc)."""
    global _paused_total
    if not gc.isenabled():
        yield
        return
    gc.disable()
    started = time.perf_counter()
    try:
        yield
    finally:
        gc.enable()
        with _lock:
            _paused_total += time.perf_counter() - started
            owed = _paused_total >= PAUSE_BUDGET_S
            if owed:
                _paused_total = 0.0
        if owed:
            gc.collect(1)


def keep_compiled() -> None:
    """After a compile that is about to be cached (compile thread, collection
    paused): freeze what is alive now, the compiled operation included, out of
    collections; every ``THAW_INTERVAL_S`` first collect once over everything, so
    cycles frozen while alive cannot pile up (see the module doc)."""
    global _last_thaw
    with _lock:
        now = time.monotonic()
        thaw = now - _last_thaw >= THAW_INTERVAL_S
        if thaw:
            _last_thaw = now
    if thaw:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
