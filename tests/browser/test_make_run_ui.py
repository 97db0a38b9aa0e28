"""`make run` as a newcomer sees it, in the real chromium: the devstack (embedded
database, NATS, both subgraphs, the router in registry mode) on free ports; /admin
opened with the token `make run` printed shows both services up and in the
supergraph, and the schema explorer draws types from both subgraphs. Screenshots go
to tests/artifacts/ (gitignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_admin_ui import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.subgraphs.test_through_router import start, stop
from tests.support import free_port

pytestmark = pytest.mark.browser


def test_make_run_shows_both_services_and_the_explorer(
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    ports = {"records": free_port(), "categories": free_port(), "router": free_port()}
    data = tmp_path / "data"
    process, lines = start(data, ports)
    try:
        token_line = next(line for line in lines if line.startswith("  admin token"))
        token = token_line.split()[2]
        assert token == (data / "admin-token").read_text().strip()
        admin = next(line.split()[2] for line in lines if line.startswith("  admin UI"))
        assert admin == f"http://127.0.0.1:{ports['router']}/admin"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.set_default_timeout(20_000)
        page.goto(admin)
        page.fill("#token", token)
        page.click("#token-form button")
        page.wait_for_selector("tr[data-service=records]")
        page.wait_for_selector("tr[data-service=categories]")
        assert page.inner_text("#connection") == "Connected."
        for name in ("records", "categories"):
            row = page.inner_text(f"tr[data-service={name}]")
            assert "up" in row and "yes" in row, row  # fetched live, in the supergraph
        page.screenshot(path=str(ARTIFACTS / "make-run-services.png"), full_page=True)

        page.click("#tabs button[data-tab=explorer]")
        page.wait_for_selector("#graph .node[data-type=Record]")
        page.wait_for_selector("#graph .node[data-type=Category]")
        page.fill("#search", "Category")
        page.press("#search", "Enter")
        page.wait_for_selector("#details tr[data-field=records]")
        # Category.records comes from the records subgraph, Category.name from categories.
        assert "records" in page.inner_text("#details tr[data-field=records]")
        assert "categories" in page.inner_text("#details tr[data-field=name]")
        page.screenshot(path=str(ARTIFACTS / "make-run-explorer.png"), full_page=True)
        assert page_errors == []
        page.close()
    finally:
        stop(process, lines)
