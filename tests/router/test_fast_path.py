"""``GatewayApp``: the GraphQL paths go straight to their handler, everything else (and
everything, once a middleware is installed) through FastAPI."""

from __future__ import annotations

import httpx
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from router.http.fast_path import GatewayApp


def _app() -> tuple[GatewayApp, list[str]]:
    seen: list[str] = []
    app = GatewayApp()

    async def graphql(request: Request) -> Response:
        seen.append(request.method)
        if request.headers.get("x-fail"):
            raise RuntimeError("handler bug")
        return JSONResponse({"data": {"path": request.url.path}})

    async def other(_: Request) -> Response:
        return JSONResponse({"other": True})

    app.router.add_route("/graphql", graphql, methods=["GET", "POST"])
    app.router.add_route("/other", other, methods=["GET"])
    app.serve_graphql(frozenset({"/graphql"}), graphql)
    return app, seen


async def _client(app: GatewayApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_graphql_paths_reach_the_handler_for_every_method() -> None:
    app, seen = _app()
    async with await _client(app) as http:
        assert (await http.post("/graphql")).json() == {"data": {"path": "/graphql"}}
        # FastAPI's route would answer 405 in plain text; the handler answers itself
        assert (await http.request("TRACE", "/graphql")).status_code == 200
        assert (await http.get("/other")).json() == {"other": True}
    assert seen == ["POST", "TRACE"]


async def test_a_failing_handler_is_a_coded_json_500() -> None:
    app, _ = _app()
    async with await _client(app) as http:
        response = await http.post("/graphql", headers={"x-fail": "1"})
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_with_a_middleware_every_request_passes_through_it() -> None:
    app, seen = _app()

    async def tag(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["x-middleware"] = "yes"
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=tag)
    async with await _client(app) as http:
        response = await http.post("/graphql")
        assert response.headers.get("x-middleware") == "yes"
        assert (await http.request("TRACE", "/graphql")).status_code == 405  # FastAPI's way
    assert seen == ["POST"]
