"""CORS for browser clients on other origins, with Starlette's ``CORSMiddleware``.

Off unless ``cors.allow_origins`` lists origins: then no CORS header is ever sent
and the middleware is not even installed, so it costs nothing."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from router.config.settings import CorsSettings
from router.errors import CORS_REQUEST_REJECTED, graphql_error
from router.response.encoding import encode


class _CodedCORSMiddleware(CORSMiddleware):
    """Starlette's middleware, with a refused preflight answered as a coded JSON error
    (Starlette answers it in plain text)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        message = bytes(response.body).decode("utf-8", "replace")
        body, media_type = encode(
            {"errors": [graphql_error(message, CORS_REQUEST_REJECTED)]}, "application/json"
        )
        return Response(body, status_code=response.status_code, media_type=media_type)


def install_cors(app: FastAPI, cors: CorsSettings) -> None:
    """Answer preflights and add CORS headers for the configured origins."""
    if not cors.allow_origins:
        return
    app.add_middleware(
        _CodedCORSMiddleware,
        allow_origins=list(cors.allow_origins),
        allow_credentials=cors.allow_credentials,
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        expose_headers=list(cors.expose_headers),
        max_age=cors.max_age_s,
    )
