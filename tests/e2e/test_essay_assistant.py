"""The essay assistant in Chromium (dev and prod harness): a visitor reads the prices; a student
analyses a draft, ignores a name, accepts two improvements and rejects one, and sees the new
version with an unchanged balance."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness

from scholarlink.services.payments import PACKAGES
from tests.e2e.conftest import screenshot
from tests.e2e.test_student_journey import SLOW, sign_up

DRAFT = (Path(__file__).parents[1] / "data" / "essays" / "typos.txt").read_text().strip()


def test_analyse_then_accept_two_improvements(harness: AppHarness, browser: Browser) -> None:
    base = harness.frontend_url.rstrip("/")
    mode = harness.mode  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)

    # Before signing up: the landing page links the public pricing page.
    page.goto(base + "/")
    page.get_by_role("link", name="Pricing").first.click()
    expect(page).to_have_url(re.compile(r"/pricing/?$"), timeout=SLOW)
    expect(page.get_by_role("heading", name="Credit packages")).to_be_visible(timeout=SLOW)
    for package in PACKAGES.values():
        expect(page.get_by_text(package.price, exact=True)).to_be_visible()
    expect(page.locator("#pricing-assistant")).to_contain_text("every essay tool is free")
    expect(page.get_by_role("cell", name="gpt-4o-mini")).to_be_visible()
    screenshot(page, f"pricing-{mode}")

    sign_up(page, base, "Ada Nwosu")
    page.goto(base + "/essays")
    page.get_by_label("Title").fill("Nature center")
    page.get_by_role("button", name="Create essay").click()
    expect(page).to_have_url(re.compile(r"/essays/\d+/?$"), timeout=SLOW)
    page.get_by_label("Essay text").fill(DRAFT)
    expect(page.locator("#word-count")).to_have_text("89 words")
    expect(page.locator("#balance")).to_have_text("1,000")

    # Analyse: free; spelling with suggestions; a name goes on the ignore list.
    expect(page.locator("#price")).to_have_text("Free: the offline assistant calls no model")
    page.get_by_role("button", name="Run").click()
    spelling = page.locator("#spelling")
    expect(spelling).to_contain_text("volunterred → volunteered", timeout=SLOW)
    page.get_by_role("button", name="Ignore Priyanka").click()
    expect(spelling).not_to_contain_text("Priyanka")
    expect(page.get_by_role("button", name="Remove priyanka")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("1,000")

    # Improve: each change on its own; accept two, reject one.
    page.get_by_label("Tool").click()
    page.get_by_role("option", name="Improve").click()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("button", name="Accept change 1")).to_be_visible(timeout=SLOW)
    first = page.locator(".essay-change").nth(0).locator("ins").inner_text()
    second = page.locator(".essay-change").nth(1).locator("ins").inner_text()
    page.get_by_role("button", name="Accept change 1").click()
    expect(page.get_by_text("Accepted").first).to_be_visible()
    page.get_by_role("button", name="Accept change 2").click()
    expect(page.get_by_text("Accepted")).to_have_count(2)
    page.get_by_role("button", name="Reject change 3").click()
    expect(page.get_by_text("Rejected")).to_have_count(1)
    text = page.get_by_label("Essay text")
    expect(text).to_contain_text(first.strip())
    expect(text).to_contain_text(second.strip())
    expect(text).to_contain_text("Priyanka")  # the ignored name was left alone
    # v1 created, v2 before improve, v3 and v4 one accepted change each.
    expect(page.get_by_text(re.compile(r"version 4$"))).to_be_visible()
    expect(page.get_by_text("v4", exact=True)).to_be_visible()
    expect(page.locator("#balance")).to_have_text("1,000")
    screenshot(page, f"essay-changes-{mode}")
    context.close()
