"""The GraphQL endpoint's own way in: ``/graphql`` (and ``/``) without Starlette's
middleware stack and routing.

Why: every request through FastAPI passes six ASGI layers (server errors, telemetry,
body limit, exceptions, exit stack, router) and a route match, each wrapping
``send``; none of them does anything for the GraphQL endpoint, which reads its own
body with its own limits, answers every failure as a coded JSON error itself, and
whose routes take the raw ``Request``. ``GatewayApp`` hands those two paths straight
to the endpoint and everything else (admin, health, assets, lifespan) to FastAPI.

Middleware added with ``add_middleware`` (CORS, when configured) must see every
request, so while the app has any, every request takes FastAPI's way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from router.errors import INTERNAL_SERVER_ERROR, graphql_error
from router.response.encoding import encode

log = logging.getLogger("router")

Handler = Callable[[Request], Awaitable[Response]]


class GatewayApp(FastAPI):
    """FastAPI with a direct path to the GraphQL endpoint (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graphql_paths: frozenset[str] = frozenset()
        self.graphql_handler: Handler | None = None

    def serve_graphql(self, paths: frozenset[str], handler: Handler) -> None:
        """Answer requests to ``paths`` with ``handler`` directly."""
        self.graphql_paths = paths
        self.graphql_handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.graphql_handler
        if (
            handler is None
            or scope["type"] != "http"
            or scope["path"] not in self.graphql_paths
            or self.user_middleware
        ):
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            response = await handler(Request(scope, receive))
        except Exception:  # the endpoint answers its own failures; this is a last resort
            log.exception("request failed before the GraphQL endpoint could answer")
            content, media_type = encode(
                {"errors": [graphql_error("Internal router error.", INTERNAL_SERVER_ERROR)]},
                "application/json",
            )
            response = Response(content, status_code=500, media_type=media_type)
        await response(scope, receive, send)
