"""The admin UI: plain static HTML/JS/CSS from ``router/admin/static`` (no CDN, no build)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"


def mount_admin_ui(app: FastAPI) -> None:
    async def index(_: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def slash(_: Request) -> Response:
        return RedirectResponse("/admin", status_code=308)

    app.router.add_route("/admin", index, methods=["GET"], include_in_schema=False)
    app.router.add_route("/admin/", slash, methods=["GET"], include_in_schema=False)
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
