"""CORS for browser clients on other origins, with Starlette's ``CORSMiddleware``.

Off unless ``cors.allow_origins`` lists origins: then no CORS header is ever sent
and the middleware is not even installed, so it costs nothing."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from router.config.settings import CorsSettings


def install_cors(app: FastAPI, cors: CorsSettings) -> None:
    """Answer preflights and add CORS headers for the configured origins."""
    if not cors.allow_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(cors.allow_origins),
        allow_credentials=cors.allow_credentials,
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        expose_headers=list(cors.expose_headers),
        max_age=cors.max_age_s,
    )
