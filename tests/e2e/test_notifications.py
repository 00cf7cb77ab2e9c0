"""The notification centre in Chromium: a catalogue import brings a new match; the bell counts
it, the centre shows it, and marking it read clears the count."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import confirm_sign_up, screenshot
from tests.e2e.test_student_journey import SLOW

SLUG = "e2e-alert-award"


def _extra_entry() -> object:
    from scholarlink.domain.rules import CatalogueEntry

    return CatalogueEntry.model_validate(
        {
            "slug": SLUG,
            "name": "Alert Test Award",
            "provider": "Browser Test Fund",
            "kind": "private",
            "status": "active",
            "url": "https://example.org/alert-test-award",
            "verified_on": "2026-11-01",
            "sources": [{"url": "https://example.org/alert-test-award"}],
            "amount": {"min": 1500, "max": 1500, "period": "one_time"},
            "cycles": [
                {
                    "read_for": "2026-27",
                    "deadline": (date.today() + timedelta(days=90)).isoformat(),
                    "kind": "fixed",
                }
            ],
            "rules": [{"type": "level", "levels": ["undergraduate"]}],
            "description": "A programme that exists only in this browser test.",
        }
    )


@pytest.fixture
def catalogue_import() -> Iterator[object]:
    """An import that adds one programme to what is loaded now (other tests' rows included);
    the programme is withdrawn afterwards, everything else left as it was."""
    from sqlmodel import select

    from scholarlink.core.db import session_scope
    from scholarlink.domain.rules import CatalogueEntry
    from scholarlink.models import Scholarship
    from scholarlink.services.catalogue import load_catalogue

    with session_scope() as s:
        current = [
            CatalogueEntry.model_validate(r.entry)
            for r in s.exec(
                select(Scholarship).where(Scholarship.source == "catalogue", Scholarship.is_active)
            )
            if r.slug != SLUG and r.entry
        ]

    def load(extra: bool) -> None:
        entries = [*current, _extra_entry()] if extra else current
        with session_scope() as s:
            load_catalogue(s, entries, version="e2e+alert" if extra else "e2e")  # type: ignore[arg-type]

    yield load
    load(False)


def test_a_new_match_reaches_the_notification_centre(
    harness: AppHarness, browser: Browser, catalogue_import: object
) -> None:
    from sqlmodel import select

    from scholarlink.core.db import session_scope
    from scholarlink.models import User
    from scholarlink.services import notify
    from scholarlink.services.profiles import parse_profile_input, update_profile

    base = (harness.frontend_url or "").rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    email = f"alert-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(base + "/sign-up")
    page.get_by_label("Name").fill("Alex Alert")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    confirm_sign_up(page, base, email)
    with session_scope() as s:
        user_id = s.exec(select(User.id).where(User.email == email)).one()
        update_profile(
            s,
            user_id=user_id or 0,
            changes=parse_profile_input(
                {"academicLevel": "undergraduate", "graduationYear": date.today().year + 2}
            ),
        )
    notify.run_pass()  # the baseline: what the student can already see is not news
    catalogue_import(True)  # type: ignore[operator]
    notify.run_pass()

    page.goto(base + "/dashboard")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "1 unread notifications", timeout=SLOW)
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/?$"), timeout=SLOW)
    card = page.get_by_text("New match: Alert Test Award")
    expect(card).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Unread", exact=True)).to_have_count(1)
    screenshot(page, f"notifications-{harness.mode}")  # type: ignore[attr-defined]
    assert_accessible(page, "notifications")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("Unread", exact=True)).to_have_count(0)
    expect(bell).to_have_attribute("aria-label", "Notifications")
    # The e-mail settings are saved and read back.
    page.get_by_role("radio", name="At once").click()
    page.locator("#timezone").select_option("America/Chicago")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("radio", name="At once")).to_be_checked(timeout=SLOW)
    expect(page.locator("#timezone")).to_have_value("America/Chicago")
    context.close()
