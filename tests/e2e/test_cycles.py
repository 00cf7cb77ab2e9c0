"""The same programme, seen by a senior and by a junior in Chromium: each sees the cycle of their
own class (issue 10) — the senior's has passed and next year's is for the class below; the
junior's opens next summer."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from reflex.testing import AppHarness
from reflex_base.config import get_config

from tests.e2e.conftest import confirm_sign_up
from tests.e2e.test_student_journey import SLOW


def _student(page: Page, base: str, level: str, year: str) -> None:
    page.goto(base + "/sign-up")
    email = f"cycle-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    confirm_sign_up(page, base, email)
    expect(page.get_by_text("What is missing and why it matters")).to_be_visible(timeout=SLOW)
    page.locator("#academic_level").click()
    page.get_by_role("option", name=level).click()
    page.get_by_label("Graduation year").fill(year)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")


def test_a_senior_and_a_junior_see_their_own_cycle(harness: AppHarness, browser: Browser) -> None:
    today = datetime.now(UTC).date()
    if today.month in (8, 9):
        pytest.skip("in August and September this year's seniors are inside the cycle")
    base = (harness.frontend_url or "").rstrip("/")
    api = str(get_config().api_url).rstrip("/")
    [coke] = httpx.get(
        f"{api}/api/scholarships", params={"q": "Coca-Cola Scholars Program"}
    ).json()["items"]
    senior_class = today.year + 1 if today.month >= 8 else today.year
    for level, year, expected in (
        ("High-school senior", senior_class, re.compile(r"^Not for you")),
        (
            "High-school junior",
            senior_class + 1,
            re.compile(
                rf"^Your cycle: Opens .+, due Sep 30, {senior_class}.* \(for the class of {senior_class + 1}\)"
            ),
        ),
    ):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _student(page, base, level, str(year))
        page.goto(f"{base}/scholarships/{coke['id']}")
        expect(page.get_by_text(expected)).to_be_visible(timeout=SLOW)
        if "junior" in level:
            expect(page.get_by_text("Not for you")).to_have_count(0)
        context.close()
