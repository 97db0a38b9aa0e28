"""Hot reload of the supergraph file while the router serves."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from router.operation.prepare import operation_key
from tests.e2e.conftest import Gateway


def _wait(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_valid_change_is_swapped_and_invalid_one_rejected(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gw = gateway_factory("simple-requires-provides", reload_poll_interval=0.05)
    first = gw.http.get("/health/detailed").json()["schemaHash"]
    original = gw.supergraph.read_text()

    # A valid new supergraph: Product.name removed.
    changed = original.replace("  name: String @join__field(graph: PRODUCTS)\n", "")
    assert changed != original
    gw.supergraph.write_text(changed)
    assert _wait(lambda: gw.http.get("/health/detailed").json()["schemaHash"] != first)
    response = gw.post({"query": "{ products { name } }"})
    assert response.status_code == 400  # the field is gone from the new schema

    # An invalid file is rejected; the last good schema keeps serving.
    second = gw.http.get("/health/detailed").json()["schemaHash"]
    gw.supergraph.write_text("this is not a supergraph {")
    assert _wait(lambda: gw.http.get("/health/detailed").json()["lastReloadError"] is not None)
    assert gw.http.get("/health/detailed").json()["schemaHash"] == second
    assert gw.query("{ products { upc } }") == {
        "data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}
    }


def test_request_in_flight_finishes_on_its_schema(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(
        "simple-requires-provides", reload_poll_interval=0.05, delays={"products": 1.0}
    )
    first = gw.router.holder.current.sdl_hash
    original = gw.supergraph.read_text()
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(gw.query, "{ products { name } }")
        time.sleep(0.15)  # the request is now waiting on the slow subgraph
        gw.supergraph.write_text(
            original.replace("  name: String @join__field(graph: PRODUCTS)\n", "")
        )
        assert _wait(lambda: gw.router.holder.current.sdl_hash != first)
        assert not in_flight.done()
        got = in_flight.result(10)
    assert got == {"data": {"products": [{"name": "p-name-1"}, {"name": "p-name-2"}]}}
    assert gw.post({"query": "{ products { name } }"}).status_code == 400


def _swap_schema(gw: Gateway) -> None:
    first = gw.router.holder.current.sdl_hash
    original = gw.supergraph.read_text()
    gw.supergraph.write_text(original + "\n# a comment changes the hash, not the schema\n")
    assert _wait(lambda: gw.router.holder.current.sdl_hash != first)


def test_reload_goes_live_with_the_busiest_operations_planned(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gw = gateway_factory(
        "simple-requires-provides", reload_poll_interval=0.05, plan_warmup_max_operations=2
    )
    queries = ["{ products { upc } }", "{ products { name } }", "{ products { upc name } }"]
    for query in queries:
        assert "errors" not in gw.query(query)
    gw.query(queries[0])  # now the most recently used, then queries[2]
    _swap_schema(gw)
    warmed = gw.router.holder.current.operations
    assert [entry.request for _, entry in warmed.newest_first()] == [
        (queries[2], None),
        (queries[0], None),
    ]
    assert [key for key, _ in warmed.newest_first()] == [
        operation_key(queries[2], None),
        operation_key(queries[0], None),
    ]  # warmed under the keys the clients' requests look up
    assert gw.query(queries[0]) == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}


def test_reload_without_warm_up_starts_cold(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(
        "simple-requires-provides", reload_poll_interval=0.05, plan_warmup_max_operations=0
    )
    assert "errors" not in gw.query("{ products { upc } }")
    _swap_schema(gw)
    assert len(gw.router.holder.current.operations) == 0
