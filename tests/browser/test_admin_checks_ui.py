"""Schema checks in the admin UI (Playwright, headless chromium): adding a service
shows its check report before it is saved (changes coloured by severity), and a
change refused for breaking recorded operations shows those operations with their
request counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from router.registry.checks import SeenOperation
from tests.browser.test_admin_ui import ARTIFACTS, browser  # noqa: F401  (fixture)
from tests.e2e.harness import Subgraphs
from tests.registry.conftest import database, start_router, subgraphs  # noqa: F401  (fixtures)
from tests.registry.harness import TOKEN, RegistryRouter

pytestmark = pytest.mark.browser


def _seen(_since: datetime) -> list[SeenOperation]:
    return [
        SeenOperation(
            "ProductReviews", "query ProductReviews { products { reviews { body } } }", 4321
        ),
        SeenOperation("Names", "query Names { products { name } }", 17),
    ]


def test_check_report_in_the_admin_ui(
    browser: Any,  # noqa: F811
    subgraphs: Subgraphs,  # noqa: F811
    database: str,  # noqa: F811
    start_router: Callable[..., RegistryRouter],  # noqa: F811
) -> None:
    router = start_router(database, seen_operations=_seen)
    first = router.admin(
        "POST", "/services", json={"name": "products", "url": subgraphs.urls["products"]}
    )
    assert first.status_code == 201, first.text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.set_default_timeout(15_000)
    page.goto(f"{router.url}/admin")
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    page.wait_for_selector("tr[data-service=products]")

    # Adding reviews: the check report shows first (safe additions, in green), then it saves.
    page.fill("#add-name", "reviews")
    page.fill("#add-url", subgraphs.urls["reviews"])
    page.click("#add-submit")
    page.wait_for_selector("tr[data-service=reviews]")
    page.wait_for_selector("#add-check .check-report")
    assert "Schema check passes" in page.inner_text("#add-check")
    safe = page.locator("#add-check li.change[data-severity=SAFE]")
    assert safe.count() >= 2
    assert "Product.reviews" in " ".join(safe.all_inner_texts())
    colour = page.eval_on_selector(
        "#add-check li.change[data-severity=SAFE] .severity", "e => getComputedStyle(e).color"
    )
    assert colour == "rgb(46, 125, 50)"  # --good
    page.screenshot(path=str(ARTIFACTS / "admin-check-add.png"), full_page=True)

    # Disabling reviews would break ProductReviews (4321 requests): refused, with the report.
    page.click("tr[data-service=reviews] input[aria-label='enabled reviews']")
    page.wait_for_selector("#row-errors .check-report")
    text = page.inner_text("#row-errors")
    assert "BREAKING_CHANGE" in text
    breaking = page.locator("#row-errors li.change[data-severity=BREAKING]")
    assert "Product.reviews" in " ".join(breaking.all_inner_texts())
    red = page.eval_on_selector(
        "#row-errors li.change[data-severity=BREAKING] .severity", "e => getComputedStyle(e).color"
    )
    assert red == "rgb(198, 40, 40)"  # --bad
    rows = page.locator("#row-errors table.affected-operations tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert "ProductReviews" in rows[0] and "4321" in rows[0] and "validation" in rows[0]
    assert page.is_checked("tr[data-service=reviews] input[aria-label='enabled reviews']")
    page.screenshot(path=str(ARTIFACTS / "admin-check-refused.png"), full_page=True)
    assert console_errors == []
    page.close()
