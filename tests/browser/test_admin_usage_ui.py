"""The admin UI's Usage and Audit pages in a real browser (skips without chromium):
traffic sent through the router shows up as chart lines, legend and top-operations
rows; registry changes and refused credentials are filtered on the Audit page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from router.auth.api_keys.settings import ApiKeySettings
from router.config.auth import AuthSettings
from router.config.records import AuditSettings, UsageSettings
from router.config.settings import Settings
from tests.browser.test_admin_ui import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.registry.conftest import database, start_router, subgraphs  # noqa: F401
from tests.registry.harness import TOKEN, RegistryRouter, Subgraphs
from tests.usage.harness import sql, wait_until

pytestmark = pytest.mark.browser


def test_usage_charts_and_audit_filters(
    browser: Any,  # noqa: F811
    subgraphs: Subgraphs,  # noqa: F811
    database: str,  # noqa: F811
    start_router: Callable[..., RegistryRouter],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("START_API_KEY_USAGE_WORKER", "0")
    settings = Settings(
        usage=UsageSettings(enabled=True, database_url=database, flush_interval_ms=100),
        audit=AuditSettings(enabled=True, database_url=database, flush_interval_ms=100),
        auth=AuthSettings(api_keys=ApiKeySettings(database_url=database)),
    )
    router = start_router(database, settings=settings)
    added = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert added.status_code == 201, added.text
    with httpx.Client(base_url=router.url, timeout=10) as http:
        for n in range(6):
            http.post(
                "/graphql",
                json={"query": "query Shelf { products { upc name } }"},
                headers={"x-client-name": "web" if n % 2 else "ios"},
            )
        http.post(
            "/graphql", json={"query": "{ products { nope } }"}, headers={"x-client-name": "web"}
        )
        http.post("/graphql", json={"query": "{ products { upc } }"}, headers={"x-api-key": "gk_x"})
    wait_until(lambda: sql(database, "SELECT SUM(requests) FROM usage_stats") == [(8,)])
    wait_until(
        lambda: (
            sql(database, "SELECT COUNT(*) FROM audit_logs WHERE action = 'auth.failure'") == [(1,)]
        )
    )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.set_default_timeout(10_000)
    page.goto(f"{router.url}/admin")
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    page.wait_for_selector("#connection:text('Connected.')")
    page.click("#tabs button[data-tab=usage]")
    page.wait_for_selector("#usage-requests path.series")
    legend = page.inner_text("#usage-legend")
    assert "client_name:web" in legend and "client_name:ios" in legend
    assert "8 requests, 2 errors" in page.inner_text("#usage-totals")
    assert page.locator("#usage-requests path.series").count() >= 2
    assert "Shelf" in page.inner_text("#usage-operations")
    page.select_option("#usage-by", "operation")
    page.click("#usage-form button")
    page.wait_for_function("document.querySelector('#usage-legend').innerText.includes('Shelf')")
    page.screenshot(path=str(ARTIFACTS / "admin-usage.png"), full_page=True)

    page.click("#tabs button[data-tab=audit]")
    page.wait_for_selector("#audit tbody tr")
    text = page.inner_text("#audit")
    assert "service.add" in text and "auth.failure" in text
    page.fill("#audit-action", "auth.*")
    page.click("#audit-form button")
    page.wait_for_function(
        "!document.querySelector('#audit tbody').innerText.includes('service.add')"
    )
    assert "auth.failure" in page.inner_text("#audit tbody")
    page.screenshot(path=str(ARTIFACTS / "admin-audit.png"), full_page=True)
    assert console_errors == []
