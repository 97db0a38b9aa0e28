"""The request pipeline: plugin hooks in stage order, the context, short-circuits,
subgraph header changes, and every outcome reaching ``on_response``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from router.config.settings import PluginSpec
from router.execution.subgraph_client import SubgraphResponse
from router.operation.prepare import CompiledOperation
from router.pipeline.context import RequestContext
from router.pipeline.plugin import Plugin, Plugins, Respond, ResponseOut, SubgraphRequest
from tests.e2e.conftest import Gateway

SUITE = "simple-requires-provides"
CROSS_SUBGRAPH = "query Names { products { upc inStock } }"


class Recorder(Plugin):
    """Records every hook call with what the context held at that moment."""

    name = "recorder"
    calls: list[tuple[str, Any]] = []

    async def on_request(self, ctx: RequestContext) -> None:
        self.calls.append(("request", ctx.operation_name))

    async def on_operation(self, ctx: RequestContext, operation: CompiledOperation) -> None:
        self.calls.append(("operation", (ctx.operation_name, ctx.operation_kind)))

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        request.headers["x-request-id"] = ctx.request_id
        self.calls.append(("subgraph_request", request.service_name))

    async def on_subgraph_response(
        self, ctx: RequestContext, request: SubgraphRequest, response: SubgraphResponse
    ) -> None:
        self.calls.append(("subgraph_response", response.failure is None))

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        self.calls.append(("response", (response.status, ctx.operation_hash, sorted(ctx.timings))))
        ctx.response_headers["x-seen-by"] = self.name


class Exploding(Plugin):
    """Fails inside a hook: the client must still get a coded JSON error."""

    async def on_operation(self, ctx: RequestContext, operation: CompiledOperation) -> None:
        raise RuntimeError("plugin bug")


class Answering(Plugin):
    """Answers a request (``Respond``) and a subgraph fetch (``request.answer``) itself."""

    async def on_operation(self, ctx: RequestContext, operation: CompiledOperation) -> None:
        if ctx.operation_name == "Canned":
            raise Respond({"data": {"canned": True}}, headers={"x-answered": "yes"})

    async def on_subgraph_request(self, ctx: RequestContext, request: SubgraphRequest) -> None:
        if request.service_name == "inventory" and request.variables:
            count = len(request.variables["representations"])
            request.answer = SubgraphResponse(
                data={"_entities": [{"__typename": "Product", "inStock": False}] * count}
            )

    async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
        ctx.response_headers["x-status-seen"] = str(response.status)


def _spec(name: str, **options: Any) -> PluginSpec:
    return PluginSpec(f"{__name__}:{name}", tuple(options.items()))


@pytest.fixture
def recorded(gateway_factory: Callable[..., Gateway]) -> Gateway:
    Recorder.calls = []
    return gateway_factory(SUITE, plugins=(_spec("Recorder"),))


def test_hooks_run_in_stage_order_with_the_context_filled_in(recorded: Gateway) -> None:
    response = recorded.post({"query": CROSS_SUBGRAPH}, headers={"x-request-id": "req-42"})
    assert response.status_code == 200
    assert response.headers["x-seen-by"] == "recorder"
    names = [name for name, _ in Recorder.calls]
    assert names[:2] == ["request", "operation"]
    assert names[-1] == "response"
    fetches = names[2:-1]
    assert fetches == ["subgraph_request", "subgraph_response"] * (len(fetches) // 2)
    assert len(fetches) == 4  # products, then an entity fetch to inventory for `inStock`
    assert Recorder.calls[0] == ("request", None)  # not parsed yet
    assert Recorder.calls[1] == ("operation", ("Names", "query"))
    status, digest, timings = Recorder.calls[-1][1]
    assert status == 200
    assert digest == hashlib.sha256(CROSS_SUBGRAPH.encode()).hexdigest()
    assert timings == ["execution", "operation", "response"]
    # The header a hook set reached every subgraph request.
    seen = [h.get("x-request-id") for n in ("products", "inventory") for h in _headers(recorded, n)]
    assert seen and set(seen) == {"req-42"}


def _headers(gw: Gateway, name: str) -> list[dict[str, str]]:
    server = gw.subgraphs.servers.get(name)
    return list(getattr(server, "request_headers", []))


def test_refused_requests_reach_on_response(recorded: Gateway) -> None:
    response = recorded.post({"query": "{ products { nope } }"})
    assert response.status_code == 400
    assert response.headers["x-seen-by"] == "recorder"
    assert [name for name, _ in Recorder.calls] == ["request", "response"]
    assert Recorder.calls[-1][1][0] == 400


def test_a_failing_hook_is_a_coded_500_and_counted(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, plugins=(_spec("Exploding"),))
    response = gw.post({"query": "{ products { upc } }"}, headers={"x-request-id": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "boom-1"}
    metrics = gw.http.get("/metrics").text
    assert 'gateway_http_requests_total{status="500"} 1.0' in metrics


def test_require_header_example_plugin(gateway_factory: Callable[..., Gateway]) -> None:
    spec = PluginSpec(
        "router.plugins.require_header:RequireHeader",
        (
            ("header", "x-tenant"),
            ("allowed", ["acme"]),
            ("forward_as", "x-tenant-id"),
            ("echo_as", "x-tenant"),
        ),
    )
    gw = gateway_factory(SUITE, plugins=(spec,))
    missing = gw.post({"query": "{ products { upc } }"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["extensions"]["code"] == "MISSING_REQUIRED_HEADER"
    wrong = gw.post({"query": "{ products { upc } }"}, headers={"x-tenant": "initech"})
    assert wrong.status_code == 403
    assert wrong.json()["errors"][0]["extensions"]["code"] == "HEADER_VALUE_NOT_ALLOWED"
    assert _headers(gw, "products") == []  # refused before any subgraph was asked
    ok = gw.post({"query": "{ products { upc } }"}, headers={"x-tenant": "acme"})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"products": [{"upc": "p1"}, {"upc": "p2"}]}}
    assert ok.headers["x-tenant"] == "acme"
    assert [h.get("x-tenant-id") for h in _headers(gw, "products")] == ["acme"]


def test_a_stage_without_hooks_costs_nothing() -> None:
    class OnlyResponse(Plugin):
        async def on_response(self, ctx: RequestContext, response: ResponseOut) -> None:
            pass

    plugins = Plugins([OnlyResponse()])
    assert plugins.on_request == plugins.on_operation == ()
    assert not plugins.around_subgraphs  # the executor never builds SubgraphRequest objects
    assert len(plugins.on_response) == 1


def test_hooks_may_answer_a_request_or_a_fetch(gateway_factory: Callable[..., Gateway]) -> None:
    gw = gateway_factory(SUITE, plugins=(_spec("Answering"),))
    canned = gw.post({"query": "query Canned { products { upc } }"})
    assert canned.status_code == 200
    assert canned.json() == {"data": {"canned": True}}
    assert canned.headers["x-answered"] == "yes"
    assert canned.headers["x-status-seen"] == "200"  # on_response still ran
    assert _headers(gw, "products") == []  # answered before execution
    answered = gw.post({"query": CROSS_SUBGRAPH})
    assert answered.json() == {
        "data": {"products": [{"upc": "p1", "inStock": False}, {"upc": "p2", "inStock": False}]}
    }
    assert len(_headers(gw, "products")) == 1
    assert _headers(gw, "inventory") == []  # the fetch was answered, never sent
