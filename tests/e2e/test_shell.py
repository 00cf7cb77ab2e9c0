"""The landing page and the 404 page render in Chromium without console errors (dev and prod)."""

from playwright.sync_api import Page, expect
from reflex.testing import AppHarness

from tests.e2e.conftest import screenshot


def test_landing_page_renders(harness: AppHarness, page: Page) -> None:
    page.goto(harness.frontend_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Find scholarships you qualify for"
    )
    expect(page.get_by_role("link", name="Get started").first).to_be_visible()
    expect(page.get_by_text("your data is never sold")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"landing-{harness.mode}-light")  # type: ignore[attr-defined]
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_dark_mode_and_phone_width(harness: AppHarness, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.goto(harness.frontend_url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Open menu")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"landing-{harness.mode}-dark-phone")  # type: ignore[attr-defined]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_unknown_page_shows_404(harness: AppHarness, page: Page) -> None:
    page.goto(harness.frontend_url.rstrip("/") + "/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
