"""The admin UI's API keys page in a real browser (skips without chromium, like
test_admin_ui): create a key (shown once, then gone), see it listed, revoke it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from router.auth.api_keys import ApiKeyVerifier
from router.auth.api_keys.keyformat import parse_key
from router.auth.errors import AuthError
from tests.auth.keys import opened
from tests.browser.test_admin_ui import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.registry.conftest import database, start_router  # noqa: F401  (fixtures)
from tests.registry.harness import TOKEN, RegistryRouter

pytestmark = pytest.mark.browser


def verify(url: str, key: str) -> str:
    """The key's id, or why it is refused: asked in a thread of its own, because
    Playwright's sync API keeps an event loop running in this one."""

    async def check() -> str:
        async with opened(url) as store:
            try:
                return (await ApiKeyVerifier(store).verify(key)).id
            except AuthError as exc:
                return exc.reason

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, check()).result()


def test_create_and_revoke_a_key_in_the_admin_ui(
    browser: Any,  # noqa: F811
    database: str,  # noqa: F811
    start_router: Callable[..., RegistryRouter],  # noqa: F811
) -> None:
    router = start_router(database)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_default_timeout(10_000)
    page.goto(f"{router.url}/admin")
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    page.wait_for_selector("#connection:text('Connected.')")
    page.click("#tabs button[data-tab=keys]")
    page.wait_for_selector("#keys-empty:not([hidden])")

    page.fill("#key-name", "storefront")
    page.fill("#key-scopes", "orders:read, products:read")
    page.fill("#key-rate", "lots")  # refused inline, nothing created
    page.click("#key-submit")
    page.wait_for_selector("#key-errors:not([hidden])")
    assert "rate_limit" in page.inner_text("#key-errors")
    assert router.admin("GET", "/keys").json() == {"keys": []}

    page.fill("#key-name", "storefront")
    page.fill("#key-rate", "100/minute")
    page.click("#key-submit")
    page.wait_for_selector("#key-once:not([hidden])")
    key = page.inner_text("#key-once-value").strip()
    parsed = parse_key(key)
    assert parsed is not None
    page.wait_for_selector(f'tr[data-key="{parsed.id}"]')
    row = page.inner_text(f'tr[data-key="{parsed.id}"]')
    assert "storefront" in row and "active" in row and "orders:read" in row
    assert parsed.secret not in page.inner_text("#keys")  # the table shows the prefix only
    assert verify(database, key) == parsed.id
    page.screenshot(path=str(ARTIFACTS / "admin-api-keys.png"), full_page=True)

    page.click("#key-once-done")
    assert page.locator("#key-once").is_hidden()
    assert parsed.secret not in page.content()  # shown once: gone from the page

    page.click(f'button[data-revoke="{parsed.id}"]')
    page.wait_for_selector(f'tr[data-key="{parsed.id}"] .key-revoked')
    assert page.locator(f'button[data-revoke="{parsed.id}"]').is_disabled()
    assert verify(database, key) == "revoked key"
    assert console_errors == []
    page.close()
