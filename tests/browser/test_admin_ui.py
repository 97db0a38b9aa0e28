"""The admin UI in a real browser: Playwright driving Debian's chromium, headless.

Opens /admin, tries a service that cannot compose (the errors show inline), adds a
service through the form, sees it in the list, in the schema explorer (nodes
coloured by subgraph, fields with the subgraphs resolving them) and in the
supergraph history diff. Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Subgraphs
from tests.registry.conftest import database, start_router, subgraphs  # noqa: F401  (fixtures)
from tests.registry.harness import TOKEN, RegistryRouter
from tests.support import IN_CI, REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        if IN_CI:
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield instance
        finally:
            instance.close()


def test_add_a_service_in_the_admin_ui(
    browser: Any,
    subgraphs: Subgraphs,  # noqa: F811
    database: str,  # noqa: F811
    start_router: Callable[..., RegistryRouter],  # noqa: F811
) -> None:
    router = start_router(database)
    first = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert first.status_code == 201, first.text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport={"width": 1400, "height": 860})
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.set_default_timeout(10_000)
    page.goto(f"{router.url}/admin")
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    page.wait_for_selector("tr[data-service=products]")
    assert page.inner_text("#connection") == "Connected."

    # A service that cannot compose: the composition errors appear inline, nothing changes.
    page.fill("#add-name", "clashing")
    page.fill("#add-url", subgraphs.urls["clashing"])
    page.click("#add-submit")
    page.wait_for_selector("#add-errors .composition-error")
    errors_text = page.inner_text("#add-errors")
    assert "Product.name" in errors_text and "clashing" in errors_text
    assert page.locator("tr[data-service=clashing]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "admin-composition-error.png"), full_page=True)

    page.fill("#add-name", "reviews")
    page.fill("#add-url", subgraphs.urls["reviews"])
    page.click("#add-submit")
    page.wait_for_selector("tr[data-service=reviews]")
    page.wait_for_selector("#add-ok:not([hidden])")
    assert page.locator("#add-errors").is_hidden()
    row = page.inner_text("tr[data-service=reviews]")
    assert "yes" in row and "up" in row
    page.screenshot(path=str(ARTIFACTS / "admin-services.png"), full_page=True)

    # The schema explorer shows the new type, coloured, with who resolves each field,
    # and schema usage as heat: Product.name was requested, Product.reviews never.
    for _ in range(2):
        assert "errors" not in router.query("{ products { name } }")
    page.click("#tabs button[data-tab=explorer]")
    page.wait_for_selector("#graph .node[data-type=Review]")
    page.fill("#search", "Prod")
    page.press("#search", "Enter")
    page.wait_for_selector("#details tr[data-field=reviews]")
    resolvers = page.inner_text("#details tr[data-field=reviews]")
    assert "reviews" in resolvers.split("\t")[-1]
    assert "products" in page.inner_text("#details tr[data-field=name]")
    name_heat = "#details tr[data-field=name] td.heat"
    assert page.get_attribute(name_heat, "data-requests") == "2"
    assert page.get_attribute("#details tr[data-field=reviews] td.heat", "data-requests") == "0"
    hot = page.eval_on_selector(name_heat, "td => getComputedStyle(td).backgroundColor")
    cold = page.eval_on_selector(
        "#details tr[data-field=reviews] td.heat", "td => getComputedStyle(td).backgroundColor"
    )
    assert hot != cold
    page.fill("#search", "")
    page.click("#details a[data-goto=Review]")  # click through to the field's type
    page.wait_for_selector("#graph .node.selected[data-type=Review]")
    assert page.inner_text("#details h2") == "Review"
    review_colour = page.get_attribute("#graph .node[data-type=Review] rect", "fill")
    product_colour = page.get_attribute("#graph .node[data-type=Query] rect", "fill")
    assert review_colour and product_colour and review_colour != product_colour
    page.screenshot(path=str(ARTIFACTS / "admin-explorer.png"), full_page=True)

    # History: the newest version's diff adds the reviews field.
    page.click("#tabs button[data-tab=history]")
    page.wait_for_selector("#versions tbody tr")
    assert page.locator("#versions tbody tr").count() == 2
    page.click("#versions tbody tr:first-child button.secondary")
    page.wait_for_selector("#diff:not([hidden])")
    assert "reviews: [Review!]" in page.inner_text("#diff .add >> nth=0") or any(
        "reviews: [Review!]" in text for text in page.locator("#diff .add").all_inner_texts()
    )
    page.screenshot(path=str(ARTIFACTS / "admin-history.png"), full_page=True)
    assert console_errors == []
    page.close()
